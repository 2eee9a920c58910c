#!/usr/bin/env python3
"""Copies a GGUF file under another architecture name: general.architecture and every '<arch>.' key
are renamed, tensor infos and data are copied verbatim (data re-aligned to general.alignment).

    scripts/gguf-rename-arch.py IN OUT NEW_ARCH

For benchmarking only: bitnet.cpp builds whose llama.cpp predates the 'bitnet-b1.58' architecture
load the 2B-4T-shaped test file as 'bitnet' (same tensors and matmuls; the FFN activation differs,
which does not change the speed). The input is memory-mapped and copied in chunks.
"""
import mmap, struct, sys
src, dst, new = sys.argv[1], sys.argv[2], sys.argv[3]
f = open(src, 'rb'); data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
p = 0
def rd(fmt):
    global p
    v = struct.unpack_from('<' + fmt, data, p); p += struct.calcsize('<' + fmt); return v[0]
def rstr():
    global p
    n = rd('Q'); s = data[p:p+n]; p += n; return s
sizes = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
def rval(t):
    global p
    start = p
    if t == 8: rstr()
    elif t == 9:
        et = rd('I'); n = rd('Q')
        for _ in range(n): rval(et)
    else: p += sizes[t]
    return data[start:p]
assert data[:4] == b'GGUF'
p = 4
ver = rd('I'); nt = rd('Q'); nkv = rd('Q')
kvs = []
old = None
for _ in range(nkv):
    k = rstr(); t = rd('I'); raw = rval(t)
    kvs.append([k, t, raw])
    if k == b'general.architecture': old = raw[8:]
align = 32
out = bytearray(data[:4]) + struct.pack('<IQQ', ver, nt, nkv)
for k, t, raw in kvs:
    if k.startswith(old + b'.'): k = new.encode() + k[len(old):]
    if k == b'general.architecture': raw = struct.pack('<Q', len(new)) + new.encode()
    if k == b'general.alignment': align = struct.unpack('<I', raw)[0]
    out += struct.pack('<Q', len(k)) + k + struct.pack('<I', t) + raw
tinfo_start = p
for _ in range(nt):
    rstr(); nd = rd('I'); p += 8 * nd + 4 + 8
out += data[tinfo_start:p]
old_data = (p + align - 1) // align * align
while len(out) % align: out.append(0)
with open(dst, 'wb') as g:
    g.write(out)
    for at in range(old_data, len(data), 1 << 26):
        g.write(data[at:min(len(data), at + (1 << 26))])
print('renamed', old, '->', new)
