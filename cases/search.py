"""Japanese full-text search: the n-gram codes behind the PostgreSQL index, and the search filter.

Why a home-made gram index (migrations 0003, 0007) and not an extension:

- ``pg_trgm`` (PostgreSQL's contrib) indexes trigrams only: a word of one or two characters, as
  most Japanese search words are (交通, 医療, 森), has no trigram, so it cannot use the index and
  every text would be read.
- ``pg_bigm`` and PGroonga would serve such words, but neither is packaged for the PostgreSQL 15
  this project runs on: ``apt-cache search pgroonga`` finds nothing, and ``apt-cache search bigm``
  finds only R's bigmemory packages (Debian 12, checked when this module was written). An
  extension built by hand would have to be rebuilt on every machine and in CI.

So ``kokudo_ngram_codes()`` (SQL, migration 0007) turns a text into the codes of its characters,
character pairs and trigrams, and a GIN index over that array answers words of up to three
characters exactly; longer words are then tested as substrings of the candidates.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models

from .text import normalize

# The longest gram kokudo_ngram_codes() indexes (migration 0007): characters, pairs, trigrams.
NGRAM_SIZE = 3


def ngram_code(gram):
    """Return the number kokudo_ngram_codes() stores for a gram: its code points, 21 bits apart."""
    code = 0
    for character in gram:
        code = (code << 21) | ord(character)
    return code


def query_ngrams(words):
    """Return the grams kokudo_ngram_codes() must hold for text containing every word."""
    grams = set()
    for word in words:
        size = min(len(word), NGRAM_SIZE)
        grams.update(word[i : i + size] for i in range(len(word) - size + 1))
    return grams


def query_words(query):
    """The words a case's search text must all contain, as the search compares them."""
    return normalize(query).split()


def text_matches(words, search_text):
    """Whether a normalised search text contains every word: the rule search() applies in SQL."""
    return all(word in search_text for word in words)


def title_matches(words, search_title):
    """Whether a case comes first in relevance order: its title holds the query's first word."""
    return words[0] in search_title


def search(queryset, query):
    """Keep the cases of queryset whose indexed text contains every word of the query."""
    words = query_words(query)
    if words and connections[queryset.db].vendor == "postgresql":
        # Narrow through the n-gram index (migrations 0003, 0007); the substring test below
        # then keeps exactly the cases that contain each word.
        codes = ArrayField(models.BigIntegerField())
        queryset = queryset.alias(
            search_ngrams=models.Func(
                "search_text", function="kokudo_ngram_codes", output_field=codes
            )
        ).filter(
            # One typed bigint array: element by element, Django would send each code as a
            # 4-byte integer, and the index would match nothing.
            search_ngrams__contains=models.Value(
                sorted(map(ngram_code, query_ngrams(words))), output_field=codes
            )
        )
        # A word of up to three characters is itself one of the n-grams, so the index has
        # already answered exactly; testing its substring would only read every text again.
        words = [word for word in words if len(word) > NGRAM_SIZE]
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset
