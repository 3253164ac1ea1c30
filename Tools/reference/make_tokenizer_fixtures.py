#!/usr/bin/env python3
"""Writes the VLText tokenizer fixtures (Tests/Fixtures/tokenizers).

Pinned reference stack (the fixtures were produced with exactly these):
    Python 3.11.7, transformers 5.23.0, tokenizers 0.23.3, sentencepiece 0.2.3, protobuf 7.36.2,
    open_clip_torch 3.3.0 (only for CLIP's real merges file bpe_simple_vocab_16e6.txt.gz).

What it writes:
    corpus.json             the shared deterministic corpus (Tools/corpus.py, seed 20240611)
    clip-vocab/             vocab.json + merges.txt + tokenizer_config.json + special_tokens_map.json
                            (the first 3000 merges of CLIP's real merges, OpenAI's vocabulary order)
    clip-json/              tokenizer.json + tokenizer_config.json, as transformers' save_pretrained writes them
    clip-expected.json      per text: input_ids of the unpadded part, from AutoTokenizer on both folders
    siglip/                 spiece.model (unigram, nmt_nfkc, 3000 pieces) + a tokenizer_config.json
                            shaped like google/siglip-base-patch16-224's
    siglip-expected.json
    siglip-variant/         a second SentencePiece model: identity normalisation, byte fallback,
                            user-defined symbols, no extra-whitespace removal, `legacy: false`
    siglip-variant-expected.json

The expected files store only the unpadded ids: the script checks that transformers' padded rows are
exactly `ids + [pad_id] * (max_length - len(ids))` and that the attention mask (when transformers
returns one) is `[1] * len(ids) + [0] * padding`, so nothing is lost.

Usage:
    /tmp/vlpeers/bin/python Tools/make_tokenizer_fixtures.py
    /tmp/vlpeers/bin/python Tools/make_tokenizer_fixtures.py --real-clip /tmp/clip-real
        (also builds CLIP's real 49408-entry vocabulary there with an expected.json for a one-off
         exactness run: VLTEXT_REAL_CLIP_DIR=/tmp/clip-real swift test)
"""

import argparse
import gzip
import io
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import make_corpus  # noqa: E402

PINNED = {"transformers": "5.23.0", "tokenizers": "0.23.3", "sentencepiece": "0.2.3"}
CORPUS_SEED = 20240611
CORPUS_SIZE = 2000
VARIANT_TEXTS = 600
SMALL_CLIP_MERGES = 3000


def check_versions():
    import sentencepiece
    import tokenizers
    import transformers

    found = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
             "sentencepiece": sentencepiece.__version__}
    for name, version in PINNED.items():
        if found[name] != version:
            print(f"warning: {name} {found[name]} installed, fixtures are pinned to {version}", file=sys.stderr)
    return found


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (as in OpenAI CLIP and transformers)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def clip_vocabulary(merge_count):
    """OpenAI CLIP's vocabulary construction, limited to the first `merge_count` merges."""
    import open_clip.tokenizer

    lines = gzip.open(open_clip.tokenizer.default_bpe()).read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1:49152 - 256 - 2 + 1]][:merge_count]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return vocab, merges


def write_clip_vocab_folder(folder, merge_count):
    os.makedirs(folder, exist_ok=True)
    vocab, merges = clip_vocabulary(merge_count)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({token: i for i, token in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        f.writelines(f"{a} {b}\n" for a, b in merges)
    specials = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                "pad_token": "<|endoftext|>"}
    # Shaped like openai/clip-vit-base-patch32's files: the pad token comes from special_tokens_map.json.
    config = {"bos_token": specials["bos_token"], "eos_token": specials["eos_token"],
              "unk_token": specials["unk_token"], "do_lower_case": True, "errors": "replace",
              "model_max_length": 77, "tokenizer_class": "CLIPTokenizer"}
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(specials, f, indent=2)
    return len(vocab)


def encode_unpadded(tokenizer, texts, pad_id, max_length, expect_mask):
    """Runs `tokenizer(texts, padding="max_length", truncation=True)` and strips the padding (checked)."""
    out = tokenizer(texts, padding="max_length", truncation=True)
    assert ("attention_mask" in out) == expect_mask, list(out.keys())
    rows = []
    for i, ids in enumerate(out["input_ids"]):
        assert len(ids) == max_length, (texts[i], len(ids))
        if expect_mask:
            mask = out["attention_mask"][i]
            length = sum(mask)
            assert mask == [1] * length + [0] * (max_length - length), texts[i]
        else:
            length = max_length
            while length > 0 and ids[length - 1] == pad_id:
                length -= 1
            # SigLIP pads with its eos: keep the eos that the tokenizer appended itself.
            unpadded = tokenizer(texts[i], truncation=True)["input_ids"]
            length = len(unpadded)
            assert ids[:length] == unpadded, texts[i]
        assert ids[length:] == [pad_id] * (max_length - length), texts[i]
        rows.append(ids[:length])
    return rows


def write_corpus(path, content):
    """UTF-8 JSON, one text per line. U+FEFF is written escaped: swift-foundation's JSONSerialization
    drops a raw U+FEFF at the start of a JSON string value."""
    text = json.dumps(content, ensure_ascii=False, indent=0).replace("\ufeff", "\\ufeff")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_expected(path, meta, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, ensure_ascii=False)[:-1] + ', "ids": [\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in rows))
        f.write("\n]}\n")


def make_clip(out, texts):
    from transformers import AutoTokenizer

    vocab_dir = os.path.join(out, "clip-vocab")
    json_dir = os.path.join(out, "clip-json")
    size = write_clip_vocab_folder(vocab_dir, SMALL_CLIP_MERGES)
    from_vocab = AutoTokenizer.from_pretrained(vocab_dir)
    assert type(from_vocab).__name__ == "CLIPTokenizer" and from_vocab.is_fast
    from_vocab.save_pretrained(json_dir)  # before any call, so tokenizer.json has no baked padding
    for extra in ("special_tokens_map.json", "vocab.json", "merges.txt"):
        if os.path.exists(os.path.join(json_dir, extra)):
            os.remove(os.path.join(json_dir, extra))
    # Same content as saved, re-serialised without indentation to keep the fixture small.
    path = os.path.join(json_dir, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(saved, f, ensure_ascii=False, separators=(",", ":"))
    from_json = AutoTokenizer.from_pretrained(json_dir)
    assert type(from_json).__name__ == "CLIPTokenizer"
    pad = from_vocab.pad_token_id
    rows = encode_unpadded(from_vocab, texts, pad, 77, True)
    assert rows == encode_unpadded(from_json, texts, pad, 77, True)
    write_expected(os.path.join(out, "clip-expected.json"),
                   {"tokenizer": "CLIPTokenizer", "vocab_size": size, "max_length": 77, "pad_id": pad,
                    "attention_mask": "1 on ids, 0 on padding"}, rows)
    print(f"clip: {len(rows)} texts, vocab {size}, pad {pad}")


def train_sentencepiece(**options):
    import sentencepiece as spm

    train = [t for t in make_corpus(30000, seed=7) if t.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(train), model_writer=model, model_type="unigram",
                                   pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>",
                                   unk_piece="<unk>", num_threads=1, shuffle_input_sentence=False,
                                   max_sentence_length=100000, minloglevel=2, **options)
    return model.getvalue()


def siglip_config(**extra):
    special = {"lstrip": True, "normalized": False, "rstrip": True, "single_word": False, "special": True}
    config = {"added_tokens_decoder": {"1": {"content": "</s>", **special}, "2": {"content": "<unk>", **special}},
              "additional_special_tokens": [], "clean_up_tokenization_spaces": True, "do_lower_case": True,
              "eos_token": "</s>", "model_input_names": ["input_ids"], "model_max_length": 64,
              "pad_token": "</s>", "processor_class": "SiglipProcessor", "sp_model_kwargs": {},
              "tokenizer_class": "SiglipTokenizer", "unk_token": "<unk>"}
    config.update(extra)
    return config


def make_siglip(out, texts, name, model_bytes, config):
    """Writes `name`/ (spiece.model + tokenizer_config.json) and the expected ids of the first `len(texts)` texts."""
    from transformers import AutoTokenizer

    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "spiece.model"), "wb") as f:
        f.write(model_bytes)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ == "SiglipTokenizer" and not tokenizer.is_fast, type(tokenizer)
    rows = encode_unpadded(tokenizer, texts, tokenizer.pad_token_id, 64, False)
    write_expected(os.path.join(out, f"{name}-expected.json"),
                   {"tokenizer": "SiglipTokenizer (slow, sentencepiece)", "max_length": 64,
                    "pad_id": tokenizer.pad_token_id, "attention_mask": "not returned by transformers"}, rows)
    print(f"{name}: {len(rows)} texts, {len(model_bytes)} bytes of spiece.model")


def make_real_clip(folder, texts):
    from transformers import AutoTokenizer

    size = write_clip_vocab_folder(folder, 49152 - 256 - 2)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    rows = encode_unpadded(tokenizer, texts, tokenizer.pad_token_id, 77, True)
    write_expected(os.path.join(folder, "expected.json"),
                   {"tokenizer": "CLIPTokenizer", "vocab_size": size, "max_length": 77,
                    "pad_id": tokenizer.pad_token_id}, rows)
    write_corpus(os.path.join(folder, "corpus.json"), {"seed": CORPUS_SEED, "texts": texts})
    print(f"real clip: {size} entries, {len(rows)} texts in {folder}")


def main():
    warnings.simplefilter("ignore")
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "Tests", "Fixtures", "tokenizers"))
    parser.add_argument("--real-clip", help="folder for the real 49408-entry CLIP vocabulary run")
    args = parser.parse_args()
    versions = check_versions()
    texts = make_corpus(CORPUS_SIZE, CORPUS_SEED)
    if args.real_clip:
        make_real_clip(args.real_clip, texts)
        return
    os.makedirs(args.out, exist_ok=True)
    write_corpus(os.path.join(args.out, "corpus.json"), {"seed": CORPUS_SEED, "versions": versions, "texts": texts})
    make_clip(args.out, texts)
    make_siglip(args.out, texts, "siglip",
                train_sentencepiece(vocab_size=3000, normalization_rule_name="nmt_nfkc", character_coverage=0.98),
                siglip_config())
    # The variant runs on a prefix of the corpus (fixed edge cases + random texts) to keep the fixture small.
    make_siglip(args.out, texts[:VARIANT_TEXTS], "siglip-variant",
                train_sentencepiece(vocab_size=2500, normalization_rule_name="identity", character_coverage=0.98,
                                    byte_fallback=True, remove_extra_whitespaces=False,
                                    user_defined_symbols=["[IMG]", "<mask>", "™"]),
                siglip_config(legacy=False, do_lower_case=False))

if __name__ == "__main__":
    main()
