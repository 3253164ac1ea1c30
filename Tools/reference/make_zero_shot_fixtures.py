"""Golden fixtures for zero-shot classification and image-text similarity end to end: checkpoint folders as a user
has them (config.json, model.safetensors, preprocessor_config.json, tokenizer files) and transformers 5.23's results
on them: `AutoTokenizer(prompts, padding="max_length", truncation=True)`, the PIL image processor, the model,
`logits_per_image`, CLIP's softmax over the texts / SigLIP's sigmoid per pair.

Regenerate (after make_tokenizer_fixtures.py): /tmp/vlref/bin/python Tools/reference/make_zero_shot_fixtures.py
Writes Tests/Fixtures/dual/{clip,siglip}/ (the tokenizer files copied from Tests/Fixtures/tokenizers) with
expected.safetensors: `image_embeds`, `text_embeds` (normalised), `logits_per_image`, `probs`, and metadata `images`
(names under Tests/Fixtures/images), `labels`, `template`.
"""
import json
import os
import shutil

import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import AutoTokenizer, CLIPConfig, CLIPModel, SiglipConfig, SiglipModel
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

from common import FIXTURES, randomize_, seed_everything, versions

g = seed_everything(3131)
IMAGES = ["chelsea.png", "coffee.jpg", "rocket.jpg"]
LABELS = ["cat", "cup of coffee", "rocket", "Ünïcödé café, naïve", "dog"]
TEMPLATE = "a photo of a {}."
vision = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8)
text = dict(hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2)


def build(name, model, processor, tokenizer_folder, family):
    folder = os.path.join(FIXTURES, "dual", name)
    os.makedirs(folder, exist_ok=True)
    for file in os.listdir(tokenizer_folder):
        shutil.copy(os.path.join(tokenizer_folder, file), folder)
    model.eval()
    randomize_(model, g)
    with torch.no_grad():
        model.logit_scale.fill_(2.4)
        if family == "siglip":
            model.logit_bias.fill_(-1.3)
    model.config.save_pretrained(folder)
    processor.save_pretrained(folder)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(folder, "model.safetensors"),
              metadata={k: str(v) for k, v in versions().items()})
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokens = tokenizer([TEMPLATE.format(label) for label in LABELS], padding="max_length", truncation=True, return_tensors="pt")
    images = [Image.open(os.path.join(FIXTURES, "images", f)).convert("RGB") for f in IMAGES]
    pixels = processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        out = model(pixel_values=pixels, **tokens)
    probs = out.logits_per_image.softmax(dim=-1) if family == "clip" else torch.sigmoid(out.logits_per_image)
    save_file({"image_embeds": out.image_embeds.contiguous(), "text_embeds": out.text_embeds.contiguous(),
               "logits_per_image": out.logits_per_image.contiguous(), "probs": probs.contiguous()},
              os.path.join(folder, "expected.safetensors"),
              metadata={"images": json.dumps(IMAGES), "labels": json.dumps(LABELS), "template": TEMPLATE,
                        **{k: str(v) for k, v in versions().items()}})
    print(f"wrote dual/{name}: {tuple(probs.shape)} {type(tokenizer).__name__}")


vocab = json.load(open(os.path.join(FIXTURES, "tokenizers", "clip-vocab", "vocab.json")))
bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
clip = CLIPModel(CLIPConfig(vision_config=vision, projection_dim=24,
                            text_config=dict(text, vocab_size=len(vocab), max_position_embeddings=77, bos_token_id=bos,
                                             eos_token_id=eos, pad_token_id=eos)))
build("clip", clip, CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
      os.path.join(FIXTURES, "tokenizers", "clip-vocab"), "clip")

siglip = SiglipModel(SiglipConfig(vision_config=vision, text_config=dict(text, vocab_size=2500, max_position_embeddings=64,
                                                                   projection_size=32)))
build("siglip", siglip, SiglipImageProcessorPil(size={"height": 32, "width": 32}),
      os.path.join(FIXTURES, "tokenizers", "siglip-variant"), "siglip")
