// Reads what the dynamic loader would read from an ELF file: its interpreter (PT_INTERP), the
// libraries it names (DT_NEEDED) and the highest glibc symbol version it asks for (GLIBC_x.y in
// .gnu.version_r). Pure: a Buffer in, facts out; no binutils needed in the builder.
import { compareVersions } from "../releases.js";

export interface ElfFacts {
  class: 32 | 64;
  /** ET_EXEC or ET_DYN (programs, PIE programs and shared libraries alike). */
  type: "exec" | "dyn" | "other";
  /** PT_INTERP: the dynamic loader, e.g. /lib64/ld-linux-x86-64.so.2 or /lib/ld-musl-x86_64.so.1. */
  interpreter: string | null;
  needed: string[];
  soname: string | null;
  /** Highest GLIBC_x.y version required, null when none. */
  glibc: string | null;
  /** No interpreter and no NEEDED library: runs on any kernel without a C library. */
  static: boolean;
}

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_SONAME = 14n;
const DT_VERNEED = 0x6ffffffen;
const DT_VERNEEDNUM = 0x6fffffffn;

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf.toString("latin1", 1, 4) === "ELF";
}

/** Null when the buffer is not an ELF file this reader understands (truncated, odd class). */
export function readElf(buf: Buffer): ElfFacts | null {
  if (!isElf(buf) || buf.length < 52) return null;
  const is64 = buf[4] === 2;
  if (!is64 && buf[4] !== 1) return null;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o: number): bigint =>
    is64 ? (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : BigInt(u32(o));
  try {
    const eType = u16(16);
    const phoff = Number(word(is64 ? 32 : 28));
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
    let interpreter: string | null = null;
    let dynamic: { offset: number; size: number } | null = null;
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      const type = u32(p);
      const offset = is64 ? word(p + 8) : word(p + 4);
      const vaddr = is64 ? word(p + 16) : word(p + 8);
      const filesz = is64 ? word(p + 32) : word(p + 16);
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      if (type === PT_INTERP) interpreter = cString(buf, Number(offset), Number(offset + filesz));
      if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
    }
    // Dynamic entries hold virtual addresses: map them to file offsets through the PT_LOADs.
    const fileOffset = (addr: bigint): number | null => {
      const seg = loads.find((l) => addr >= l.vaddr && addr < l.vaddr + l.filesz);
      return seg ? Number(addr - seg.vaddr + seg.offset) : null;
    };
    const neededOffsets: bigint[] = [];
    let sonameOffset: bigint | null = null;
    let strtab: number | null = null;
    let verneed: number | null = null;
    let verneedNum = 0;
    if (dynamic) {
      const size = is64 ? 16 : 8;
      for (let o = dynamic.offset; o + size <= dynamic.offset + dynamic.size; o += size) {
        const tag = is64 ? word(o) : BigInt(u32(o));
        const val = is64 ? word(o + 8) : BigInt(u32(o + 4));
        if (tag === 0n) break;
        if (tag === DT_NEEDED) neededOffsets.push(val);
        else if (tag === DT_SONAME) sonameOffset = val;
        else if (tag === DT_STRTAB) strtab = fileOffset(val);
        else if (tag === DT_VERNEED) verneed = fileOffset(val);
        else if (tag === DT_VERNEEDNUM) verneedNum = Number(val);
      }
    }
    const str = (off: bigint) => (strtab === null ? "" : cString(buf, strtab + Number(off)));
    const needed = neededOffsets.map(str).filter((s) => s.length > 0);
    let glibc: string | null = null;
    // Elf_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 } and
    // Elf_Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }.
    for (let n = 0, at = verneed; at !== null && n < verneedNum; n++) {
      const cnt = u16(at + 2);
      for (let k = 0, aux = at + u32(at + 8); k < cnt; k++) {
        const name = str(BigInt(u32(aux + 8)));
        const m = /^GLIBC_(\d+(?:\.\d+)+)$/.exec(name);
        if (m && (glibc === null || compareVersions(m[1]!, glibc) > 0)) glibc = m[1]!;
        const next = u32(aux + 12);
        if (next === 0) break;
        aux += next;
      }
      const next = u32(at + 12);
      if (next === 0) break;
      at += next;
    }
    return {
      class: is64 ? 64 : 32,
      type: eType === 2 ? "exec" : eType === 3 ? "dyn" : "other",
      interpreter,
      needed,
      soname: sonameOffset === null ? null : str(sonameOffset) || null,
      glibc,
      static: interpreter === null && needed.length === 0,
    };
  } catch {
    return null; // offsets past the end: a truncated or damaged file
  }
}

function cString(buf: Buffer, start: number, end = buf.length): string {
  const stop = buf.indexOf(0, start);
  return buf.toString("latin1", start, stop === -1 || stop > end ? end : stop);
}
