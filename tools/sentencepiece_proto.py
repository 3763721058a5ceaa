"""Write a SentencePiece model file (the ModelProto protobuf) from a list of pieces, scrub the
paths spm_train records in one, and read its pieces back.

Enough of the format for a LLaMA-style BPE model with byte fallback: the pieces with their scores
and types, a trainer spec saying BPE with the <unk>/<s>/</s> ids LLaMA uses, and the identity
normalizer that adds the dummy prefix. Used to make test models, so that the tokenizer tests need
no SentencePiece trainer.

Piece types (sentencepiece_model.proto): 1 normal, 2 unknown, 3 control, 6 byte.
"""

import os
import struct

NORMAL, UNKNOWN, CONTROL, BYTE = 1, 2, 3, 6


def _varint(n):
    if n < 0:
        n += 1 << 64  # protobuf int32 -1 is written as a 10-byte varint
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num, wire, payload):
    """wire 0 (varint) and 5 (fixed32) take the encoded value; wire 2 takes the bytes."""
    key = _varint((num << 3) | wire)
    return key + (_varint(len(payload)) + payload if wire == 2 else payload)


def model_bytes(pieces):
    """pieces: [(text, score, type)] in id order. Returns the serialized ModelProto."""
    body = b""
    for text, score, typ in pieces:
        piece = (_field(1, 2, text.encode()) + _field(2, 5, struct.pack("<f", score))
                 + _field(3, 0, _varint(typ)))
        body += _field(1, 2, piece)
    # TrainerSpec: model_type BPE, vocab_size, byte_fallback, unk/bos/eos/pad ids 0/1/2/-1
    trainer = (_field(3, 0, _varint(2)) + _field(4, 0, _varint(len(pieces))) + _field(35, 0, _varint(1))
               + _field(40, 0, _varint(0)) + _field(41, 0, _varint(1)) + _field(42, 0, _varint(2))
               + _field(43, 0, _varint(-1)))
    # NormalizerSpec: name identity, add_dummy_prefix, no whitespace removal, escape whitespaces
    normalizer = (_field(1, 2, b"identity") + _field(3, 0, _varint(1)) + _field(4, 0, _varint(0))
                  + _field(5, 0, _varint(1)))
    return body + _field(2, 2, trainer) + _field(3, 2, normalizer)


def _read_varint(b, i):
    v, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def _fields(b):
    """(field number, wire type, payload) of each field of a message: the value's bytes for wire
    types 0, 1 and 5, the contents for wire type 2."""
    i, out = 0, []
    while i < len(b):
        key, i = _read_varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            start = i
            _, i = _read_varint(b, i)
            out.append((num, wire, b[start:i]))
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            out.append((num, wire, b[i:i + n]))
            i += n
        elif wire == 2:
            n, i = _read_varint(b, i)
            out.append((num, wire, b[i:i + n]))
            i += n
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    return out


def scrub_trainer_paths(data):
    """spm_train records its input files and output prefix (paths of the training machine) in the
    TrainerSpec (ModelProto field 2: input = 1, model_prefix = 2). Returns the model with those
    replaced by their base names; nothing that tokenizes reads them."""
    out = b""
    for num, wire, payload in _fields(data):
        if num == 2 and wire == 2:
            spec = b""
            for fnum, fwire, fpayload in _fields(payload):
                if fnum in (1, 2) and fwire == 2:
                    fpayload = os.path.basename(fpayload.decode()).encode()
                spec += _field(fnum, fwire, fpayload)
            payload = spec
        out += _field(num, wire, payload)
    return out


def read_pieces(data):
    """The (piece, type) of each SentencePiece of a ModelProto (field 1: piece = 1, type = 3;
    type 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte), in id order."""
    out = []
    for num, wire, payload in _fields(data):
        if num == 1 and wire == 2:
            piece, kind = None, 1
            for fnum, fwire, fpayload in _fields(payload):
                if fnum == 1 and fwire == 2:
                    piece = fpayload.decode("utf-8")
                elif fnum == 3 and fwire == 0:
                    kind = _read_varint(fpayload, 0)[0]
            if piece is None:
                raise ValueError(f"piece {len(out)} has no text")
            out.append((piece, kind))
    return out
