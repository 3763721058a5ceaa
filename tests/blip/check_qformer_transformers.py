"""Checks tests/reference/qformer_reference.py against Hugging Face's InstructBlipQFormerModel.

Not part of the test suite (it needs transformers): run once after changing the reference, with
transformers 4.33.2 in a virtual environment outside the repository and Debian's torch,

  python3 -m venv /tmp/hf && /tmp/hf/bin/pip install transformers==4.33.2
  PYTHONPATH=/usr/lib/python3/dist-packages /tmp/hf/bin/python tests/blip/check_qformer_transformers.py

Both run in float64 on the same random Q-Former (hf_names of fake_qformer), with the text path
(several lengths, InstructBlipQFormerModel) and without it (queries only, as BLIP-2 and
MiniGPT-4 run it: Blip2QFormerModel, whose embedding LayerNorm is its top-level "layernorm").
"""
import os
import sys

import torch
import transformers
from transformers import (Blip2QFormerConfig, Blip2QFormerModel, InstructBlipQFormerConfig,
                          InstructBlipQFormerModel)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from qformer_reference import fake_qformer, hf_names, qformer  # noqa: E402

D, HEADS, LAYERS, FF, Q, WV, VOCAB, POS, EVERY = 32, 4, 3, 80, 6, 24, 50, 40, 2


def main():
    gen = torch.Generator().manual_seed(7)
    sd = fake_qformer(gen, D, HEADS, LAYERS, FF, Q, WV, VOCAB, POS, EVERY, text=True)
    cfg = InstructBlipQFormerConfig(vocab_size=VOCAB, hidden_size=D, num_hidden_layers=LAYERS,
                                    num_attention_heads=HEADS, intermediate_size=FF,
                                    max_position_embeddings=POS, cross_attention_frequency=EVERY,
                                    encoder_hidden_size=WV)
    model = InstructBlipQFormerModel(cfg).double().eval()
    hf = {k[len("qformer."):]: v.double() for k, v in hf_names(sd).items() if k.startswith("qformer.")}
    missing, unexpected = model.load_state_dict(hf, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    assert not missing and not unexpected, (missing, unexpected)
    blip2 = Blip2QFormerModel(Blip2QFormerConfig(
        hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=FF,
        cross_attention_frequency=EVERY, encoder_hidden_size=WV)).double().eval()
    b2 = {k.replace("embeddings.layernorm", "layernorm"): v for k, v in hf.items()
          if not k.startswith("embeddings.word") and not k.startswith("embeddings.position")}
    missing, _ = blip2.load_state_dict(b2, strict=False)  # it has no text feed-forward
    assert not missing, missing
    image = torch.randn(1, 17, WV, generator=gen, dtype=torch.float64)
    queries = sd["query_tokens"].double()
    ref_cfg = {"layers": LAYERS, "heads": HEADS, "cross_every": EVERY, "eps": 1e-12}
    worst = 0.0
    for ids in ([], [7], [3, 14, 15, 9, 26, 5, 35], list(range(1, 25))):
        with torch.no_grad():
            if ids:
                out = model(input_ids=torch.tensor([ids]), query_embeds=queries,
                            encoder_hidden_states=image).last_hidden_state[0, :Q]
            else:
                out = blip2(query_embeds=queries, encoder_hidden_states=image).last_hidden_state[0]
        ref = qformer(sd, image[0], ids, ref_cfg)
        err = float((out - ref).norm() / ref.norm())
        worst = max(worst, err)
        print("%2d text tokens: relative difference %.2e" % (len(ids), err))
    print("transformers %s: worst %.2e" % (transformers.__version__, worst))
    return 0 if worst < 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
