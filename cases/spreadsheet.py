"""A case's figures and actors as a spreadsheet: export, edit, import back (the admin).

For the bulk of a report's rows, editors export the rows (all, or those the list's filters
leave: one document, say), fill or correct them in a spreadsheet, and import the file back;
django-import-export previews what each row changes and asks for a confirmation. The YAML in
fixtures/ stays the source of truth: `manage.py export_catalogue` writes the imported change
into the files, for review as a diff.

The columns are the case's slug, the row's id (empty for a new row) and the row's fields as the
fixture files name them (cases.fixtures.spec): one list, so that the import reads what the
export writes. Each row is read as load_catalogue reads a row of a case file (the fixture
fields' conversions; sources, organisations, places and sections named and resolved by the
loader's own lookups) and judged by the model's validation, as the admin form and the loader
judge it. Every error names its column, and the import page names the row as the spreadsheet
numbers it. A file with any bad row changes nothing.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Max, Q
from import_export import fields, resources

from .fixtures import spec
from .fixtures.fields import Field, Flag, Invalid
from .fixtures.loading import database_loader, row_context
from .models import Actor, Case, KeyFigure

CHANGE_REASON = "spreadsheet import"

# The spreadsheet's first row holds the column names: data row n is the sheet's row n + 1.
HEADER_ROWS = 1

TRUE_CELLS = {"true", "1", "yes", "はい"}
FALSE_CELLS = {"false", "0", "no", "いいえ"}


def rows_of(model):
    """The Rows field of the case spec whose rows are `model`'s."""
    return next(rows for rows in spec.CASE_ROWS if rows.spec.model is model)


def is_blank(cell):
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_value(field, cell):
    """A spreadsheet cell as the value a fixture file would hold for `field`.

    A CSV cell is text, an XLSX cell text, a number or a boolean; the fixture fields take what
    YAML gives them (numbers for years, booleans for flags, text for the rest).
    """
    if is_blank(cell):
        return None
    if isinstance(field, Flag):
        if isinstance(cell, bool | int):
            return bool(cell)
        text = str(cell).strip().lower()
        if text in TRUE_CELLS | FALSE_CELLS:
            return text in TRUE_CELLS
        raise Invalid(f"TRUE か FALSE で入力してください（{cell!r}）")
    if type(field) is Field:  # a number as such: a year, a month
        if isinstance(cell, float) and cell.is_integer():
            return int(cell)
        if isinstance(cell, str) and cell.strip().isdigit():
            return int(cell)
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        # A number cell has lost its printed form (Excel keeps 383.0 as 383): text columns,
        # the printed value above all, take text only.
        raise Invalid(
            f"数値ではなく文字列として入力してください（{cell!r}。セルの書式を「文字列」に）"
        )
    return str(cell)


def cell_from(value):
    """A fixture value as a cell: text, a number, a boolean, or empty."""
    return "" if value is None else value


class RowColumn(fields.Field):
    """One fixture field of a row as a column; the resource reads the cells itself."""

    def __init__(self, fixture_field):
        super().__init__(column_name=fixture_field.key, attribute=None)
        self.fixture_field = fixture_field

    def export(self, instance, **kwargs):
        try:
            return cell_from(self.fixture_field.dump(instance))
        except ObjectDoesNotExist:  # a new row before its source or organisation is set
            return ""

    def get_value(self, instance):
        return self.export(instance)


class CaseColumn(fields.Field):
    """The case a row belongs to, by its slug."""

    def __init__(self):
        super().__init__(column_name="case", attribute=None)

    def export(self, instance, **kwargs):
        return instance.case.slug if instance.case_id else ""

    def get_value(self, instance):
        return self.export(instance)


class RowResource(resources.ModelResource):
    """The rows of one kind (`rows`, a spec.Rows) as spreadsheet rows; see the module."""

    rows = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loader = None
        self.cases = {}
        self.ids_seen = {}
        self.changed_cases = set()

    @classmethod
    def columns(cls):
        return ["id", "case", *(field.key for field in cls.rows.spec.fields)]

    def get_queryset(self):
        return super().get_queryset().select_related("case", *self.rows.spec.related)

    # Import ----------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        headers = [str(header) for header in dataset.headers or []]
        missing = [column for column in self.columns() if column not in headers]
        unknown = [header for header in headers if header not in self.columns()]
        problems = []
        if missing:
            problems.append(f"ない列: {', '.join(missing)}")
        if unknown:
            problems.append(f"知らない列: {', '.join(unknown)}")
        if problems:
            raise ValueError(
                "1行目（見出し）の列が書き出したファイルと違います。"
                + "。".join(problems)
                + "。書き出したファイルの見出しのまま使ってください。"
            )
        self.loader = database_loader()

    def get_instance(self, instance_loader, row):
        cell = row.get("id")
        if is_blank(cell):
            return None
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        if not str(cell).strip().isdigit():
            raise ValidationError(
                {"id": "id は書き出したファイルの数字のまま（新しい行は空欄）にしてください。"}
            )
        return self._meta.model.objects.filter(pk=int(str(cell).strip())).first()

    def case_named(self, slug):
        if slug not in self.cases:
            self.cases[slug] = Case.objects.filter(slug=slug).first()
        return self.cases[slug]

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        number = kwargs.get("row_number", 0) + HEADER_ROWS
        given_id = row.get("id")
        if not is_blank(given_id):
            if instance.pk is None:
                errors["id"] = (
                    f"id {given_id} の行はありません（削除されたか、読み込み直されました）。"
                    "書き出し直したファイルを使うか、新しい行なら id を空欄にしてください。"
                )
            elif instance.pk in self.ids_seen:
                errors["id"] = f"同じ id の行が {self.ids_seen[instance.pk]} 行目にもあります。"
            else:
                self.ids_seen[instance.pk] = number

        slug = row.get("case")
        case = None if is_blank(slug) else self.case_named(str(slug).strip())
        if is_blank(slug):
            errors["case"] = "事例の slug を入れてください。"
        elif case is None:
            errors["case"] = f"slug が {slug!r} の事例はありません。"
        elif instance.pk is not None and instance.case_id != case.pk:
            errors["case"] = (
                f"この行は事例 {instance.case.slug!r} の行です。"
                "行を別の事例に移すことはできません。"
            )
        else:
            instance.case = case

        record = {}
        for field in self.rows.spec.fields:
            try:
                record[field.key] = cell_value(field, row.get(field.key))
            except Invalid as error:
                errors[field.key] = str(error)
        places = {place.name: place for place in case.places.all()} if case else {}
        context = row_context(f"{number}行目", places, self.loader)
        for key, error in self.rows.spec.assign_each(instance, record, context).items():
            errors.setdefault(key, str(error))

        if instance.pk is None and case is not None:
            # A new row goes after the case's rows of its kind.
            last = type(instance).objects.filter(case=case).aggregate(last=Max("position"))
            instance.position = 0 if last["last"] is None else last["last"] + 1
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if all(is_blank(cell) for cell in row.values()):
            return True  # an empty line at the end of a sheet
        if import_validation_errors or original is None or instance.pk is None:
            return False
        columns = self.get_import_fields()
        return all(column.export(instance) == column.export(original) for column in columns)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's own validation (fields, clean(), constraints), each error under the
        column it concerns; with the errors found reading the cells."""
        errors = dict(import_validation_errors or {})
        column_of = {field.attr: field.key for field in self.rows.spec.fields}
        column_of["case"] = "case"
        exclude = {attr for attr, key in column_of.items() if key in errors}
        found = {}
        try:
            instance.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                found.setdefault(column_of.get(name, NON_FIELD_ERRORS), []).extend(messages)
        for constraint in instance._meta.constraints:
            try:
                constraint.validate(type(instance), instance, exclude=exclude)
            except ValidationError as error:
                columns = [column_of.get(name, name) for name in constrained_fields(constraint)]
                key = "・".join(dict.fromkeys(columns)) or NON_FIELD_ERRORS
                found.setdefault(key, []).extend(error.messages)
        for key, messages in found.items():
            errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = CHANGE_REASON

    def after_save_instance(self, instance, row, **kwargs):
        self.changed_cases.add(instance.case_id)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        failed = result.has_errors() or result.has_validation_errors()
        if kwargs.get("dry_run") or failed:
            return  # rolled back: nothing to index
        # Search, facets and the case pages follow the rows, as after a save in the case form.
        for case in Case.objects.filter(pk__in=self.changed_cases):
            case.refresh_index()


def constrained_fields(constraint):
    """The model fields a check constraint's condition names, in order."""
    names = []

    def walk(node):
        for child in node.children:
            if isinstance(child, Q):
                walk(child)
            else:
                names.append(child[0].split("__")[0])

    condition = getattr(constraint, "condition", None)
    if condition is not None:
        walk(condition)
    return names


def resource_for(model):
    """The RowResource of `model`'s rows: its columns are the fixture fields of those rows."""
    rows = rows_of(model)
    columns = {"case": CaseColumn()}
    columns.update({field.key: RowColumn(field) for field in rows.spec.fields})
    order = ("id", *columns)
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": order,
            "import_id_fields": ("id",),
            "import_order": order,
            "export_order": order,
            # The preview lists every row, unchanged ones as 「スキップ」.
            "skip_unchanged": True,
            "report_skipped": True,
            "use_transactions": True,
            "clean_model_instances": True,
        },
    )
    return type(
        f"{model.__name__}Resource", (RowResource,), {"rows": rows, "Meta": meta, **columns}
    )


KeyFigureResource = resource_for(KeyFigure)
ActorResource = resource_for(Actor)
