"""Golden fixtures for image embeddings (`vlblocks embed`), from the PyTorch pipeline `../shared/peers/embed.py`
times: PIL decode + `convert("RGB")`, transformers 5.23's PIL image processor from the checkpoint's
preprocessor_config.json, the model, L2 normalisation.

Regenerate: /tmp/vlref/bin/python Tools/reference/make_embedding_fixtures.py
Writes Tests/Fixtures/embeddings/<model>/{config.json, model.safetensors, preprocessor_config.json} for tiny random
models with the real key layouts:

- clip: `CLIPModel` (`get_image_features` -> `.pooler_output`, i.e. visual_projection(post_layernorm(class token)))
- clip_vision_projection: `CLIPVisionModelWithProjection` (`image_embeds`)
- siglip: `SiglipVisionModel` (`pooler_output`, the attention-pooling head)
- dinov2: `Dinov2Model` (`pooler_output`, the normed class token)
- dinov2_registers: `Dinov2WithRegistersModel` (`pooler_output`)

and Tests/Fixtures/embeddings/expected.safetensors with `<model>` = [N, D] normalised embeddings of the images listed
in its metadata `images` (a JSON array of paths relative to Tests/Fixtures/images).
"""
import json
import os

import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import (CLIPConfig, CLIPModel, CLIPVisionConfig, CLIPVisionModelWithProjection, Dinov2Config, Dinov2Model,
                          Dinov2WithRegistersConfig, Dinov2WithRegistersModel, SiglipVisionConfig, SiglipVisionModel)
from transformers.models.bit.image_processing_pil_bit import BitImageProcessorPil
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

from common import FIXTURES, randomize_, seed_everything, versions

g = seed_everything(1212)
IMAGES = ["chelsea.png", "astronaut_grey.png", "coffee.jpg", "rocket.jpg", "coffee_palette.png", "chelsea_alpha.png"]
vision = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, patch_size=8)


def clip_processor(size):
    return CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})


models = {
    "clip": (CLIPModel(CLIPConfig(vision_config=dict(vision, image_size=32),
                                  text_config=dict(hidden_size=16, intermediate_size=24, num_hidden_layers=1, num_attention_heads=2,
                                                   vocab_size=64, max_position_embeddings=8),
                                  projection_dim=24)), clip_processor(32)),
    "clip_vision_projection": (CLIPVisionModelWithProjection(CLIPVisionConfig(**vision, image_size=32, projection_dim=20)), clip_processor(32)),
    "siglip": (SiglipVisionModel(SiglipVisionConfig(**vision, image_size=32)),
               SiglipImageProcessorPil(size={"height": 32, "width": 32})),
    "dinov2": (Dinov2Model(Dinov2Config(**vision, image_size=32)),
               BitImageProcessorPil(size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32},
                                    image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])),
    "dinov2_registers": (Dinov2WithRegistersModel(Dinov2WithRegistersConfig(**vision, image_size=32, num_register_tokens=2)),
                         BitImageProcessorPil(size={"shortest_edge": 40}, crop_size={"height": 32, "width": 32},
                                              image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])),
}

images = [Image.open(os.path.join(FIXTURES, "images", name)).convert("RGB") for name in IMAGES]
expected = {}
for name, (model, processor) in models.items():
    model.eval()
    randomize_(model, g)
    folder = os.path.join(FIXTURES, "embeddings", name)
    os.makedirs(folder, exist_ok=True)
    model.config.save_pretrained(folder)
    processor.save_pretrained(folder)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(folder, "model.safetensors"),
              metadata={k: str(v) for k, v in versions().items()})
    x = processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        if name == "clip":
            out = model.get_image_features(pixel_values=x)
            e = out if torch.is_tensor(out) else out.pooler_output
        else:
            out = model(pixel_values=x)
            e = out.image_embeds if hasattr(out, "image_embeds") else out.pooler_output
    expected[name] = torch.nn.functional.normalize(e, dim=-1)
    print(f"wrote embeddings/{name}: {tuple(expected[name].shape)}")

save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(FIXTURES, "embeddings", "expected.safetensors"),
          metadata={"images": json.dumps(IMAGES), **{k: str(v) for k, v in versions().items()}})
