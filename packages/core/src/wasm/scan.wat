;; The bitmap scan of @rlekit/core in WebAssembly SIMD: the one loop that must read every byte
;; of a bitmap, at ~2x the speed of the best JavaScript loop (float64 words) we measured.
;; Assembled by scripts/wasm.mjs (wabt's wat2wasm) into scan-module.ts; runs.ts copies each
;; chunk of a bitmap into memory at 0, calls $scan, and reads the transitions at OUT.
;;
;; Memory: [0, 64 KiB) input chunk; [64 KiB, 320 KiB) transitions, one u32 per byte at most.
(module
  (memory (export "memory") 5 5)
  ;; Value (0/1) of the last byte scanned: where the next call continues from.
  (global $prev (export "prev") (mut i32) (i32.const 0))

  ;; For each j in [0, len & ~15) where (byte j != 0) differs from (byte j-1 != 0), byte -1
  ;; having value $p, stores base + j (mod 2^32) as a u32 at 65536 + 4k; returns the count k.
  ;; The caller scans the last len & 15 bytes itself.
  (func (export "scan") (param $len i32) (param $base i32) (param $p i32) (result i32)
    (local $i i32) (local $n i32) (local $end i32) (local $stop i32) (local $m i32) (local $t i32)
    (local.set $end (i32.and (local.get $len) (i32.const -16)))
    (block $done
      (loop $outer
        ;; Skip 64-byte blocks that continue the current run: no non-zero byte (p = 0), or no
        ;; zero byte (p = 1). Real masks spend almost all their bytes here.
        (if (i32.eqz (local.get $p))
          (then
            (block $b0 (loop $l0
              (br_if $b0 (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $end)))
              (br_if $b0 (v128.any_true
                (v128.or
                  (v128.or (v128.load (local.get $i)) (v128.load offset=16 (local.get $i)))
                  (v128.or (v128.load offset=32 (local.get $i)) (v128.load offset=48 (local.get $i))))))
              (local.set $i (i32.add (local.get $i) (i32.const 64)))
              (br $l0))))
          (else
            (block $b1 (loop $l1
              (br_if $b1 (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $end)))
              (br_if $b1 (i32.eqz (i8x16.all_true
                (i8x16.min_u
                  (i8x16.min_u (v128.load (local.get $i)) (v128.load offset=16 (local.get $i)))
                  (i8x16.min_u (v128.load offset=32 (local.get $i)) (v128.load offset=48 (local.get $i)))))))
              (local.set $i (i32.add (local.get $i) (i32.const 64)))
              (br $l1)))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; The next (up to) 64 bytes exactly, 16 at a time: bit j of $m is set iff byte j is
        ;; non-zero, bit j of $t iff byte j differs from byte j-1; each set bit is stored.
        (local.set $stop (i32.add (local.get $i) (i32.const 64)))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (loop $vec
          (local.set $m (i8x16.bitmask (i8x16.ne (v128.load (local.get $i)) (v128.const i32x4 0 0 0 0))))
          (local.set $t (i32.and
            (i32.xor (local.get $m) (i32.or (i32.shl (local.get $m) (i32.const 1)) (local.get $p)))
            (i32.const 0xffff)))
          (local.set $p (i32.shr_u (local.get $m) (i32.const 15)))
          (block $bt (loop $lt
            (br_if $bt (i32.eqz (local.get $t)))
            (i32.store offset=65536 (i32.shl (local.get $n) (i32.const 2))
              (i32.add (i32.add (local.get $base) (local.get $i)) (i32.ctz (local.get $t))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $t (i32.and (local.get $t) (i32.sub (local.get $t) (i32.const 1))))
            (br $lt)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $vec (i32.lt_u (local.get $i) (local.get $stop))))
        (br $outer)))
    (global.set $prev (local.get $p))
    (local.get $n))
)
