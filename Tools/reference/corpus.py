"""Deterministic corpus of varied texts for the VLText tokenizer fixtures.

`make_corpus(count, seed)` always returns the same list for the same arguments (it uses only
`random.Random(seed)` and literal tables below), so the fixtures can be regenerated bit for bit.
"""

import random

WORDS_EN = """a an the photo picture image of with and on in at by for from to dog cat bird horse car truck
bicycle man woman child people group red blue green yellow black white small large old young happy
running sitting standing playing eating street beach mountain river city night day sunset snow rain
kitchen table chair window door house building tree flower grass field water boat plane train sign
holding looking walking wearing shirt hat glasses phone computer book ball pizza cake coffee cup plate
close-up view portrait painting drawing sketch rendering diagram chart screenshot logo icon text
beautiful cute funny strange quiet busy empty crowded bright dark blurry sharp colorful vintage modern
""".split()
WORDS_FR = "café crème brûlée naïve résumé déjà vu où été garçon français élève forêt hôtel Noël".split()
WORDS_DE = "Straße Größe Übung Mädchen Fußball schön grün Äpfel Öl Käse".split()
WORDS_ES = "niño año mañana corazón árbol pingüino ¿qué? ¡hola!".split()
WORDS_TR = "İstanbul IŞIK ılık İZMİR Iğdır şehir çiçek DİYARBAKIR ıİiI".split()
WORDS_EL = "ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ Αθήνα ΑΣ σοφός ΛΌΓΟΣ Σ ΣΑΣ ΌΣΟΣ.".split()
WORDS_RU = "Привет мир Москва ЁЛКА ёжик собака кошка".split()
WORDS_CJK = "东京 北京 上海 猫 狗 写真 日本語 ひらがな カタカナ ｶﾀｶﾅ 한국어 서울 강아지 漢字 學習 龍".split()
WORDS_OTHER = "مرحبا שלום नमस्ते สวัสดี ሰላም Γειά ქართული հայերեն ਪੰਜਾਬੀ தமிழ்".split()
EMOJI = ["😀", "🐱", "🐶", "❤️", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "1️⃣", "🧑🏿‍💻",
         "👩‍❤️‍💋‍👨", "✨", "🔥", "☕", "🤖", "#️⃣", "🫠", "😶‍🌫️"]
DIGITS = ["2024", "3.14159", "1,000,000", "007", "½", "²", "٣٤٥", "४२", "①②", "Ⅻ", "10:30pm",
          "+44 20 7946 0958", "1e-9", "0x1F600", "৩", "𝟙𝟚𝟛", "¹²³"]
APOSTROPHES = ["don't", "it's", "we'll", "I'D", "they're", "you've", "I'M", "rock'n'roll", "'s",
               "it’s", "''", "'S", "O'Neil's", "'twas", "dogs'", "'LL", "''s", "'re'", "'D'd"]
HTML = ['<div class="x">Hello &amp; bye</div>', "<br/>", "<p>Caption:</p>", "&lt;tag&gt;",
        "<|endoftext|>", "<|startoftext|>", "<|ENDOFTEXT|>", "<|endoftext|", "</s>", "<unk>",
        "<pad>", "<s>", "a</s>b", " </s> ", "<unk>x", "▁", "▁▁x", "<|endoftext|><|endoftext|>",
        "<img src='cat.png' alt=\"a cat\">", "https://example.com/a?b=c&d=e#f", "user@example.org"]
PUNCT = ["!!!", "???", "...", "—–-", "…", "«»", "¿¡", "(((x)))", "$$$", "@#%^&*", "~~~", "\\\\",
         "\"quoted\"", "“smart”", "‘single’", "[brackets]", "{braces}", "::", ";;", "|||", "-_-",
         "^_^", "¯\\_(ツ)_/¯", "•", "·", "§", "¶", "†", "©®™", "°C", "€100", "£5", "¥"]
CASING = ["İ", "I", "ı", "i̇", "ǅ", "ǈ", "ǋ", "ǲ", "ß", "ẞ", "ﬀ", "ﬁ", "Σ", "aΣb", "ΑΣ'Σ", "ΑΣ.",
          "ΣΑ", "Ω", "Ω", "K", "Å", "ΐ", "İ̇", "ŉ", "ǰ", "Ꭰ", "ꭰ", "Ⓐ", "𐐀", "ᲀ", "Ǆ", "ǆ"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "A\u030a", "\u1100\u1161\u11a8", "o\u0302\u0301",
             "q\u0307\u0323", "\u0301", ">\u0338", "=\u0338", "\u212b", "\u2126", "\u0958",
             "ﬃ", "Ｈｅｌｌｏ", "㍻", "㎏", "ℌ", "Ⅸ", "ｱｲｳ", "\u0915\u093c", "\uac00\u11a8"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2009", "\u200b", "\u2028", "\x0b",
          "\x0c", "\x1c", "\x1f", "\x85", "\u180e", "\ufeff", "\u200d", "\u202f", "\u205f"]
CONTROL = ["\x00", "\x07", "\x7f", "\u00ad", "\u200e", "\ue000", "\U000f0000", "\ufffd", "\x1b[0m"]
TEMPLATES = ["a photo of a {}.", "a blurry photo of the {}.", "This is a {} and a {}.", "{} {} {}",
             "A {} sitting on a {} next to the {}!", "itap of a {}", "a bad photo of the {}.",
             "a sculpture of a {}.", "a rendering of the {}", "{}'s {}", "the {} of {}"]


def _pick_word(rng):
    pools = [WORDS_EN] * 6 + [WORDS_FR, WORDS_DE, WORDS_ES, WORDS_TR, WORDS_EL, WORDS_RU, WORDS_CJK,
                              WORDS_OTHER, EMOJI, DIGITS, APOSTROPHES, PUNCT, CASING, COMBINING]
    return rng.choice(rng.choice(pools))


def _random_case(rng, text):
    mode = rng.randrange(4)
    if mode == 0:
        return text.upper()
    if mode == 1:
        return text.title()
    if mode == 2:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    return text


def _random_scalar(rng):
    blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff),
              (0x590, 0x6ff), (0x900, 0x97f), (0xe00, 0xe7f), (0x1100, 0x11ff), (0x1e00, 0x1fff),
              (0x2000, 0x206f), (0x2100, 0x24ff), (0x3000, 0x30ff), (0x4e00, 0x9fff), (0xac00, 0xd7a3),
              (0xf900, 0xfaff), (0xfb00, 0xfb4f), (0xfe00, 0xfe0f), (0xff00, 0xffef), (0x10400, 0x1044f),
              (0x1d400, 0x1d7ff), (0x1f300, 0x1faff), (0x20000, 0x2a6df), (0xe0000, 0xe007f)]
    lo, hi = rng.choice(blocks)
    return chr(rng.randint(lo, hi))


def _sentence(rng, words):
    return " ".join(_pick_word(rng) for _ in range(words))


def _captions(rng):
    template = rng.choice(TEMPLATES)
    return template.format(*[rng.choice(WORDS_EN) for _ in range(template.count("{}"))])


def _long_text(rng):
    parts = []
    target = rng.randint(300, 700)
    while sum(len(p) for p in parts) < target:
        kind = rng.randrange(4)
        if kind == 0:
            parts.append(_captions(rng))
        elif kind == 1:
            parts.append(_sentence(rng, rng.randint(3, 12)))
        elif kind == 2:
            parts.append(rng.choice(PUNCT) * rng.randint(1, 5))
        else:
            parts.append(" ".join(str(rng.randint(0, 10 ** 6)) for _ in range(rng.randint(1, 6))))
    return rng.choice([" ", "\n", "  ", "\t"]).join(parts)


def _mixed(rng):
    pieces = []
    for _ in range(rng.randint(1, 10)):
        kind = rng.randrange(9)
        if kind == 0:
            pieces.append(_pick_word(rng))
        elif kind == 1:
            pieces.append(rng.choice(SPACES))
        elif kind == 2:
            pieces.append(rng.choice(HTML))
        elif kind == 3:
            pieces.append("".join(_random_scalar(rng) for _ in range(rng.randint(1, 6))))
        elif kind == 4:
            pieces.append(rng.choice(COMBINING))
        elif kind == 5:
            pieces.append(rng.choice(CONTROL))
        elif kind == 6:
            pieces.append(_random_case(rng, _pick_word(rng)))
        elif kind == 7:
            pieces.append(rng.choice(EMOJI) * rng.randint(1, 3))
        else:
            pieces.append(rng.choice(APOSTROPHES))
    sep = rng.choice(["", " ", " ", "  ", "\t", "\n"])
    return sep.join(pieces)


FIXED = ["", " ", "  ", "\t", "\n", "\r\n", " \t \n ", "\u3000", "\u00a0", "\x1c\x1d\x1e\x1f",
         "a photo of a cat", "A PHOTO OF A CAT", "  leading and trailing  ", "tab\tseparated\tvalues",
         "line one\nline two\n\nline four", "don't stop", "I'M HERE", "hello world!!!",
         "<|startoftext|>hello<|endoftext|>", "hello <|endoftext|> world", "<|endoftext|>\u0338",
         "x </s> y", "</s>", "<unk>", " </s>", "</s> ", "a</s>", "<unk> <unk>", "▁hello", "hello ▁ world",
         "ΣΊΣΥΦΟΣ", "ὈΔΥΣΣΕΎΣ", "İstanbul", "DİYARBAKIR", "ǅemal", "ß", "ẞ", "ﬁne ﬂour", "Ω and K",
         "ＡＢＣ１２３", "①②③", "½ cup", "x²", "e\u0301t\u0301e\u0301", "\u212bngstr\u00f6m",
         "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "🇫🇷🇯🇵", "1️⃣2️⃣", "東京タワーの写真", "서울의 밤", "مرحبا بالعالم",
         "Hello мир 世界", "...", "!!!???", "—", "'", "''", "'s", "'S", "x's y'll z'd", "123456789",
         "3.14", "0", "\x00", "\x7f", "\ufeff", "\u200b", "\u200d", "\u00ad", "a\u0301", "\u0301a",
         "Ϊ́", "ǰ", "ŉ", "\uac00\u11a8", "\u1100\u1161", "ｶﾞ", "ｱｲｳｴｵ", "ﾊﾟ", "㍿", "℡", "™",
         "a" * 300, "ab " * 200, "!" * 500, "1" * 200, "é" * 150, "猫" * 120, "😀" * 100,
         "https://example.com/path?query=1&b=2", "<b>bold</b> & <i>italic</i>"]


def make_corpus(count=2200, seed=20240611):
    """Returns `count` texts: the fixed edge cases first, then seeded random texts of every kind."""
    rng = random.Random(seed)
    texts = list(FIXED)
    makers = [
        (_captions, 5),
        (lambda r: _random_case(r, _captions(r)), 2),
        (lambda r: _sentence(r, r.randint(1, 8)), 5),
        (_mixed, 6),
        (_long_text, 1),
        (lambda r: "".join(_random_scalar(r) for _ in range(r.randint(1, 20))), 2),
        (lambda r: r.choice(SPACES).join(_pick_word(r) for _ in range(r.randint(1, 6))), 2),
        (lambda r: r.choice(EMOJI) + " " + _captions(r) + " " + r.choice(EMOJI), 1),
        (lambda r: r.choice(CASING) + r.choice(CASING) + " " + r.choice(WORDS_EL + WORDS_TR), 1),
        (lambda r: r.choice(HTML) + _captions(r) + r.choice(HTML), 1),
    ]
    weights = [w for _, w in makers]
    while len(texts) < count:
        maker = rng.choices(makers, weights=weights)[0][0]
        texts.append(maker(rng))
    return texts[:count]
