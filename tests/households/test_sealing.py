"""Values sealed and hashed in bulk (`households.sensitive.sealer` and `keyed_hasher`, as the
roster import uses them): each sealed value decrypts to itself, and no two share a nonce, which
AES-GCM must never do; each hash is the HMAC-SHA256 the registry has always stored."""

import base64
import hmac

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from households.sensitive import decrypt, keyed_hash, keyed_hasher, sealer

ID_NUMBER = "44990119700101001X"


def nonce(sealed):
    return base64.b64decode(sealed.split("$", 2)[2])[:12]


def test_a_sealer_never_draws_a_nonce_twice_across_its_batches():
    seal = sealer()
    sealed = [seal(ID_NUMBER) for _ in range(10_000)]  # batches of 1, 2, 4 … 4,096 and more
    assert {decrypt(value) for value in sealed} == {ID_NUMBER}
    nonces = [nonce(value) for value in sealed]
    assert {len(n) for n in nonces} == {12}
    assert len(set(nonces)) == len(nonces)


def test_two_sealers_draw_their_own_nonces():
    first, second = sealer(), sealer()
    nonces = [nonce(seal(ID_NUMBER)) for seal in (first, second) for _ in range(100)]
    assert len(set(nonces)) == 200


@given(st.lists(st.text(), min_size=1, max_size=20))
def test_a_hasher_gives_each_value_the_stored_hmac_whatever_it_hashed_before(values):
    """The hashes already in the registry are HMAC-SHA256 of the value with FIELD_HASH_KEY: a
    hasher that continues one keyed state for many values must give each value that hash, as
    if it were the first (nothing of the values before carries over)."""
    hash_value = keyed_hasher()
    key = settings.FIELD_HASH_KEY.encode()
    for value in values:
        expected = hmac.new(key, value.encode(), "sha256").hexdigest()
        assert hash_value(value) == expected == keyed_hash(value)
