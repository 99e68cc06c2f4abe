"""Values sealed in bulk (`households.sensitive.sealer`, as the roster import seals them): each
decrypts to itself, and no two share a nonce, which AES-GCM must never do."""

import base64

from households.sensitive import decrypt, sealer

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
