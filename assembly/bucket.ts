// MurmurHash3 x86_32 over bytes in linear memory: the A/B bucketing hash shared by the
// server and the browser SDK (which inlines this module as base64, so every byte counts).
//
// ABI: the host writes UTF-8 bytes at INPUT_OFFSET (0) of the exported memory and calls
// murmur3(0, len, seed) or bucket(0, len). The module has no data segments, no runtime
// and no imports, so nothing else lives in memory and it instantiates with `{}`. It
// starts with one 64 KiB page; a host hashing longer input grows `memory` first.
//
// Contract: bucket = murmur3_x86_32(utf8(experimentId + ":" + userId), 0) % 10000, and a
// user is in the variant when bucket < trafficSplit * 100.

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;

// @ts-ignore: decorator
@inline function mixK(k: u32): u32 {
  return rotl<u32>(k * C1, 15) * C2;
}

export function murmur3(ptr: usize, len: i32, seed: u32): u32 {
  let h = seed;
  // WebAssembly loads are little-endian, which is the block order MurmurHash3 specifies.
  const blocksEnd = ptr + <usize>(len & ~3);
  let p = ptr;
  while (p < blocksEnd) {
    h ^= mixK(load<u32>(p));
    h = rotl<u32>(h, 13) * 5 + 0xe6546b64;
    p += 4;
  }
  const rest = len & 3;
  if (rest) {
    let k: u32 = load<u8>(p);
    if (rest > 1) k |= <u32>load<u8>(p, 1) << 8;
    if (rest > 2) k |= <u32>load<u8>(p, 2) << 16;
    h ^= mixK(k);
  }
  h ^= <u32>len;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

export function bucket(ptr: usize, len: i32): u32 {
  return murmur3(ptr, len, 0) % 10000;
}
