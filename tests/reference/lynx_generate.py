"""Decoding for the PyTorch reference: transformers 4.28.1's generate() as the Lynx reference
calls it (inputs_embeds, left-padded batch, beam sampling by default), re-derived on top of
lynx_reference.Lynx. Shares no code with lynxeval.

What follows 4.28.1 to the letter: the [<s>] seed that generate() puts in front of the output
when it is driven by inputs_embeds (so max_length = max_new_tokens + 1 and the seed counts in
min_length, the n-gram window and hypothesis lengths); LogitsProcessorList order
(NoRepeatNGram, MinLength); warpers (Temperature, TopK, TopP with the ascending-sort rule) keeping
2 tokens under beams; BeamSearchScorer.process (EOS candidates ranked below num_beams are skipped,
EOS hypotheses stored without the EOS), BeamHypotheses.add / is_done, finalize (best score, the
latest added on ties); beam search starting with beams 1.. at -1e9, beam sampling with every beam
live; log_softmax before processors in beam modes, raw logits in greedy and sample.

Where the reference cannot be reproduced, this follows lynxeval's documented choices:
random draws use splitmix64 (one stream per prompt) with a fixed without-replacement rule instead of
torch.multinomial, and the done-check uses the item's own length (4.28.1 adds one per earlier
batch member, a bug fixed in 4.29; identical at batch size 1).
"""
import torch

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def draw_without_replacement(probs, k, rng):
    """k indices, each drawn with probability proportional to what is left: a uniform times the
    remaining total, located by walking the cumulative sum (float64)."""
    w = [float(x) for x in probs.tolist()]
    total = 0.0
    for x in w:
        total += x
    out = []
    for _ in range(k):
        if not total > 0:
            break
        target = rng.uniform() * total
        acc, pick, last = 0.0, -1, -1
        for i, x in enumerate(w):
            if x == 0:
                continue
            last = i
            acc += x
            if target < acc:
                pick = i
                break
        if pick < 0:
            pick = last
        out.append(pick)
        total -= w[pick]
        w[pick] = 0.0
    return out


# ---- processors and warpers (transformers 4.28.1 semantics) ------------------------------------

def repetition_penalty(scores, seq, penalty):
    """RepetitionPenaltyLogitsProcessor (transformers 4.28 to 4.33): gather the scores of the ids
    in the sequence, divide the positive ones by the penalty and multiply the negative ones,
    scatter them back."""
    if penalty == 1.0 or not seq:
        return scores
    idx = torch.tensor(seq)
    score = scores.gather(0, idx)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(0, idx, score)


def no_repeat_ngram(scores, seq, n):
    if n <= 0 or len(seq) + 1 < n:
        return scores
    grams = {}
    for i in range(len(seq) - n + 1):
        grams.setdefault(tuple(seq[i:i + n - 1]), []).append(seq[i + n - 1])
    for t in grams.get(tuple(seq[len(seq) - n + 1:]), []):
        scores[t] = -float("inf")
    return scores


def min_length(scores, seq, n, eos):
    if len(seq) < n:
        scores[eos] = -float("inf")
    return scores


def warp(scores, temperature, top_k, top_p, min_keep):
    if temperature != 1.0:
        scores = scores / temperature
    if top_k:
        k = min(max(top_k, min_keep), scores.shape[-1])
        kth = torch.topk(scores, k)[0][-1]
        scores = scores.masked_fill(scores < kth, -float("inf"))
    if top_p < 1.0:
        sorted_logits, sorted_idx = torch.sort(scores, descending=False, stable=True)
        cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        remove = cum <= (1 - top_p)
        remove[-min_keep:] = False
        scores = scores.masked_fill(remove.scatter(0, sorted_idx, remove), -float("inf"))
    return scores


class BeamHypotheses:
    def __init__(self, num_beams, length_penalty, early_stopping):
        self.num_beams, self.length_penalty, self.early_stopping = num_beams, length_penalty, early_stopping
        self.beams, self.worst_score = [], 1e9

    def add(self, hyp, sum_logprobs, eos):
        score = sum_logprobs / (len(hyp) ** self.length_penalty)
        if len(self.beams) < self.num_beams or score > self.worst_score:
            self.beams.append((score, list(hyp), eos))
            if len(self.beams) > self.num_beams:
                ordered = sorted([(s, i) for i, (s, _, _) in enumerate(self.beams)])
                del self.beams[ordered[0][1]]
                self.worst_score = ordered[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs, cur_len):
        if len(self.beams) < self.num_beams:
            return False
        if self.early_stopping:
            return True
        return self.worst_score >= best_sum_logprobs / cur_len ** self.length_penalty


# ---- generation ----------------------------------------------------------------------------------

class Params:
    def __init__(self, strategy, num_beams=5, max_new_tokens=16, min_length=2, no_repeat_ngram_size=2,
                 top_k=3, top_p=0.9, temperature=1.0, length_penalty=-2.0, early_stopping=False, seed_bos=True,
                 repetition_penalty=1.0, seed_id=None, stop_ids=()):
        self.__dict__.update(locals())
        del self.__dict__["self"]


class Row:
    """One sequence's model state: the prompt embeddings plus generated tokens (recomputed in full
    each step, the plain way)."""

    def __init__(self, model, media, ids):
        self.model = model
        self.media = media
        self.ids = list(ids)
        self.generated = []

    @torch.no_grad()
    def logits(self):
        if hasattr(self.model, "next_logits"):  # another family's reference (blip_reference)
            return self.model.next_logits(self.media, self.ids + self.generated).float()
        lynx = self.model
        ca = bool(lynx.cfg.get("cross_attn_every", 0))
        e = lynx.LLM.embed_tokens(torch.tensor(self.ids + self.generated))
        media = None
        if self.media is not None:
            if ca:
                media = self.media
            else:
                e = torch.cat([self.media[0], e], dim=0)
        mask = torch.ones(1, e.shape[0], dtype=torch.long)
        return lynx.LLM(e.unsqueeze(0), mask, media)[0, -1].float()


def generate(model, prompts, params, seeds, eos_id, pad_id, bos_id):
    """prompts: list of (media [1,L,D] or None, ids). Returns a list of dicts per prompt:
    tokens (no seed, no EOS), ended_with_eos, score."""
    p = params
    beams = p.num_beams if p.strategy in ("beam", "beam-sample") else 1
    seed = [bos_id if p.seed_id is None else p.seed_id] if p.seed_bos else []
    max_length = len(seed) + p.max_new_tokens
    results = []
    # Each prompt is independent here (lynxeval's batch invariance; the padded batch forward was
    # checked against the one-row forward by the logits goldens).
    for n, (media, ids) in enumerate(prompts):
        rng = SplitMix64(seeds[n] if seeds else 0)
        if beams == 1:
            results.append(_single(model, media, ids, p, rng, seed, max_length, eos_id, pad_id))
        else:
            results.append(_beams(model, media, ids, p, beams, rng, seed, max_length, eos_id, pad_id))
    return results


def _single(model, media, ids, p, rng, seed, max_length, eos, pad):
    row = Row(model, media, ids)
    seq = list(seed)
    total = 0.0
    ended = False
    while True:
        logits = row.logits()
        scores = logits.clone()
        scores = repetition_penalty(scores, seq, p.repetition_penalty)
        scores = no_repeat_ngram(scores, seq, p.no_repeat_ngram_size)
        scores = min_length(scores, seq, p.min_length, eos)
        if p.strategy == "greedy":
            tok = int(torch.argmax(scores))
        else:
            scores = warp(scores, p.temperature, p.top_k, p.top_p, 1)
            probs = scores.softmax(dim=-1)
            tok = draw_without_replacement(probs, 1, rng)[0]
        total += float(torch.log_softmax(logits, dim=-1)[tok])
        seq.append(tok)
        if tok == eos:
            ended = True
            break
        # StoppingCriteriaSub (MiniGPT-4): the sequence, seed included, ends with a stop run
        if any(len(seq) >= len(s) and seq[-len(s):] == list(s) for s in p.stop_ids):
            break
        if len(seq) >= max_length:
            break
        row.generated.append(tok)
    tokens = [t for t in seq[len(seed):] if t != eos]
    return {"tokens": tokens, "ended_with_eos": ended, "score": total}


def _beams(model, media, ids, p, B, rng, seed, max_length, eos, pad):
    sampling = p.strategy == "beam-sample"
    rows = [Row(model, media, ids) for _ in range(B)]
    seqs = [list(seed) for _ in range(B)]
    beam_scores = torch.zeros(B)
    if not sampling:
        beam_scores[1:] = -1e9
    hyps = BeamHypotheses(B, p.length_penalty, p.early_stopping)
    done = False
    while True:
        V = None
        flat = []
        for j in range(B):
            logits = rows[j].logits()
            V = logits.shape[-1]
            s = torch.log_softmax(logits, dim=-1)
            s = repetition_penalty(s, seqs[j], p.repetition_penalty)
            s = no_repeat_ngram(s, seqs[j], p.no_repeat_ngram_size)
            s = min_length(s, seqs[j], p.min_length, eos)
            s = s + beam_scores[j]
            if sampling:
                s = warp(s, p.temperature, p.top_k, p.top_p, 2)
            flat.append(s)
        flat = torch.cat(flat)
        if sampling:
            probs = flat.softmax(dim=-1)
            idx = draw_without_replacement(probs, 2 * B, rng)
            cands = sorted(((float(flat[i]), i) for i in idx), key=lambda c: -c[0])  # stable
        else:
            order = sorted(range(flat.shape[0]), key=lambda i: (-float(flat[i]), i))[:2 * B]
            cands = [(float(flat[i]), i) for i in order]
        cur_len = len(seqs[0])
        nxt = []
        for rank, (score, i) in enumerate(cands):
            j, tok = divmod(i, V)
            if tok == eos:
                if rank >= B:
                    continue
                hyps.add(seqs[j], score, True)
            else:
                nxt.append((score, tok, j))
            if len(nxt) == B:
                break
        done = done or hyps.is_done(cands[0][0], cur_len + 1)
        new_rows = []
        for score, tok, j in nxt:
            r = Row(model, media, ids)
            r.generated = rows[j].generated + [tok]
            new_rows.append(r)
        seqs = [seqs[j] + [tok] for _, tok, j in nxt]
        beam_scores = torch.tensor([s for s, _, _ in nxt], dtype=torch.float32)
        rows = new_rows
        if done or len(seqs[0]) >= max_length:
            break
    if not done:
        for j in range(B):
            hyps.add(seqs[j], float(beam_scores[j]), False)
    best = sorted(hyps.beams, key=lambda h: h[0])[-1]
    tokens = [t for t in best[1][len(seed):] if t != eos]
    return {"tokens": tokens, "ended_with_eos": best[2], "score": best[0]}
