//! The keyword prefilter: every occurrence of every rule keyword, ASCII case-insensitively, in
//! one pass over the content.
//!
//! An Aho-Corasick automaton compiled to a full DFA over byte classes, searched in several
//! interleaved streams. A DFA search is a chain of dependent table lookups, one per byte, so a
//! single stream leaves most of the CPU idle waiting on memory latency; walking four parts of
//! the content in the same loop keeps four independent chains in flight and more than doubles
//! throughput (bench/RESULTS.md). Each part but the last is extended by the longest keyword
//! minus one byte and reports only keywords that start inside it, so every occurrence is
//! reported exactly once. Keywords can be restricted to word starts at no cost per byte
//! ([`KeywordDfa::with_word_starts`]).
//!
//! Where the CPU has AVX-512 VBMI, long content is searched in eight streams instead: their
//! byte classes are looked up and transposed 64 bytes at a time into a small block, so the
//! loop reads all eight through one pointer, and eight chains fit the registers (bench/
//! RESULTS.md: 1.3–1.45 times the four-stream throughput). Where it has AVX2 only, the bytes
//! are transposed 32 at a time and the loop looks their classes up (1.35–1.5 times).

/// One keyword occurrence: `pattern` indexes the keyword list given to [`KeywordDfa::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub end: usize,
    pub start: usize,
    pub pattern: u32,
}

/// Reusable buffers for [`KeywordDfa::find_all`].
#[derive(Debug, Default)]
pub struct Hits {
    /// The hits of the last search.
    pub all: Vec<Hit>,
    streams: [Vec<Hit>; STREAMS],
    wide: [Vec<Hit>; WIDE],
}

/// Streams searched together. Four measured fastest on x86-64 once hit reporting moved out of
/// the loop (keyword prefilter alone, crate sources: three 1,720 MB/s, four 1,830, five 970 —
/// five no longer fit the registers).
const STREAMS: usize = 4;
/// Content shorter than this per stream is searched as one stream (each part but the last
/// rescans up to the longest keyword's length past its end).
const MIN_STREAM_LEN: usize = 256;
/// Streams searched together when the CPU can transpose their bytes ([`Avx512Vbmi`],
/// [`Avx2`]).
const WIDE: usize = 8;
/// Offsets transposed at a time: the block (4 KiB) stays in the L1 cache.
const WIDE_BLOCK: usize = 512;

#[derive(Debug, Clone)]
pub struct KeywordDfa {
    /// Byte → class; case-folded, and [`OTHER`] or [`OTHER_WORD`] for every byte no keyword
    /// holds.
    class: [u8; 256],
    stride: usize,
    /// State (the offset of its row of `stride` entries) + class → next state. Match states'
    /// rows start at `first_match`, past a gap.
    trans: Vec<u32>,
    /// States at or above this id end at least one keyword; it is a power of two, and every
    /// other state is below it.
    first_match: u32,
    /// The root after a word byte (the root proper, 0, follows a non-word byte).
    root_after_word: u32,
    /// Per match state (in order from `first_match`): its range in `outputs`.
    output_ranges: Vec<(u32, u32)>,
    /// Keywords ending in each match state, longest first.
    outputs: Vec<u32>,
    lens: Vec<usize>,
    max_len: usize,
    loop_kind: Loop,
}

/// Which interleaved loop searches content long enough for it.
#[derive(Debug, Clone, Copy)]
enum Loop {
    /// [`STREAMS`] streams, each read through its own pointer.
    Interleaved,
    /// [`WIDE`] streams read from transposed blocks of classes: with AVX-512 where the CPU
    /// has it, and with plain code (slower than [`Loop::Interleaved`]; tests only) otherwise.
    Wide(Option<Avx512Vbmi>),
    /// [`WIDE`] streams read from transposed blocks of bytes (AVX2), whose classes the loop
    /// looks up: one more load per byte, still fewer cycles than four streams.
    WideBytes(Avx2),
}

/// The ASCII word bytes (`\w` without Unicode): a word-start keyword is reported only when
/// the byte before it is not one.
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether a word byte comes right before `at`: an occurrence there is not at a word start.
pub fn follows_word_byte(hay: &[u8], at: usize) -> bool {
    at > 0 && is_word_byte(hay[at - 1])
}

/// Byte class of the bytes no keyword holds that are not word bytes.
const OTHER: usize = 0;
/// Byte class of the word bytes no keyword holds.
const OTHER_WORD: usize = 1;

/// The loop of the eight-stream searches: `$transpose(starts, from, len, block)` fills the
/// block, `$step(state, value)` is the next state. A macro rather than a function generic over
/// the two: generic, the compiler spilled a state in both loops, and the classes loop lost a
/// quarter of its speed.
macro_rules! wide_loop {
    ($dfa:expr, $hay:expr, $out:expr, $transpose:expr, $step:expr) => {{
        let (dfa, hay, out) = ($dfa, $hay, $out);
        let (transpose, step) = ($transpose, $step);
        let parts = dfa.split::<WIDE>(hay);
        let first_match = dfa.first_match;
        let mut block = [0u8; WIDE_BLOCK * WIDE];
        let [mut s0, mut s1, mut s2, mut s3, mut s4, mut s5, mut s6, mut s7] =
            parts.starts.map(|s| dfa.start_state(hay, s));
        let mut done = 0;
        while done < parts.common {
            let len = WIDE_BLOCK.min(parts.common - done);
            transpose(&parts.starts, done, len, &mut block);
            for (i, row) in block[..len * WIDE].chunks_exact(WIDE).enumerate() {
                s0 = step(s0, row[0]);
                s1 = step(s1, row[1]);
                s2 = step(s2, row[2]);
                s3 = step(s3, row[3]);
                s4 = step(s4, row[4]);
                s5 = step(s5, row[5]);
                s6 = step(s6, row[6]);
                s7 = step(s7, row[7]);
                if (s0 | s1 | s2 | s3 | s4 | s5 | s6 | s7) >= first_match {
                    let states = [s0, s1, s2, s3, s4, s5, s6, s7];
                    dfa.report_streams(states, done + i + 1, &parts, out);
                }
            }
            done += len;
        }
        dfa.finish(hay, [s0, s1, s2, s3, s4, s5, s6, s7], &parts, out);
        parts.limits
    }};
}

impl KeywordDfa {
    /// `keywords` are matched ASCII case-insensitively. Empty keywords are ignored.
    pub fn new<K: AsRef<[u8]>>(keywords: &[K]) -> KeywordDfa {
        Self::with_word_starts(keywords, &vec![false; keywords.len()])
    }

    /// [`KeywordDfa::new`], where a keyword whose `word_start` is true is reported only at a
    /// word start: at the beginning of the content or after a byte that is not a word byte
    /// ([`is_word_byte`]). A keyword that does not begin with a word byte is reported anywhere.
    ///
    /// The automaton reads the content as if a boundary symbol stood before every word byte
    /// that follows a non-word byte (or begins the content). Each keyword is written in that
    /// alphabet too, with a leading boundary when it is restricted to word starts, so the
    /// restriction costs nothing per byte and those hits are never reported. Only the root
    /// cannot tell what came before it (every other state knows its last byte), so it is split
    /// in two: after a non-word byte (the root proper) and after a word byte.
    pub fn with_word_starts<K: AsRef<[u8]>>(keywords: &[K], word_start: &[bool]) -> KeywordDfa {
        assert_eq!(keywords.len(), word_start.len());
        let keywords: Vec<&[u8]> = keywords.iter().map(|k| k.as_ref()).collect();
        let mut used = [false; 256];
        for k in &keywords {
            for &b in *k {
                used[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
        let mut folded_class = [0u8; 256];
        let mut classes = OTHER_WORD + 1;
        let mut class_is_word = vec![false, true];
        for (b, u) in used.iter().enumerate() {
            let b = b as u8;
            folded_class[usize::from(b)] = if *u {
                // At most 256 - 26 folded bytes exist, so two more classes still fit a byte.
                classes += 1;
                class_is_word.push(is_word_byte(b));
                (classes - 1) as u8
            } else if is_word_byte(b) {
                OTHER_WORD as u8
            } else {
                OTHER as u8
            };
        }
        let mut class = [0u8; 256];
        for (b, c) in class.iter_mut().enumerate() {
            *c = folded_class[usize::from((b as u8).to_ascii_lowercase())];
        }
        let stride = classes;
        // The boundary symbol: a column of the construction tables only, never a byte class.
        let boundary = stride;
        let width = stride + 1;

        // A boundary comes before the keyword's `i`-th byte.
        let boundary_before = |pattern: usize, i: usize| {
            let k = keywords[pattern];
            is_word_byte(k[i])
                && if i == 0 {
                    word_start[pattern]
                } else {
                    !is_word_byte(k[i - 1])
                }
        };
        // One state per symbol at most: one reservation holds the whole trie (its pages are
        // touched once, not copied as it grows).
        let symbols: usize = (0..keywords.len())
            .map(|p| {
                (0..keywords[p].len())
                    .filter(|&i| boundary_before(p, i))
                    .count()
            })
            .sum::<usize>()
            + keywords.iter().map(|k| k.len()).sum::<usize>();
        // The trie, over byte classes and the boundary, as rows of `goto` (0: no child, as the
        // root is nobody's child); each state's last symbol.
        let mut goto: Vec<u32> = Vec::with_capacity((symbols + 1).saturating_mul(width));
        goto.resize(width, 0);
        let mut ends_here: Vec<Vec<u32>> = vec![Vec::new()];
        let mut last_symbol = vec![OTHER];
        for (pattern, k) in keywords.iter().enumerate() {
            let mut state = 0;
            for (i, &b) in k.iter().enumerate() {
                let c = usize::from(class[usize::from(b)]);
                for symbol in [boundary, c] {
                    if symbol == boundary && !boundary_before(pattern, i) {
                        continue;
                    }
                    let edge = state * width + symbol;
                    if goto[edge] == 0 {
                        let next = ends_here.len();
                        goto[edge] =
                            u32::try_from(next).expect("keyword automaton fits 32-bit state ids");
                        goto.resize(goto.len() + width, 0);
                        ends_here.push(Vec::new());
                        last_symbol.push(symbol);
                    }
                    state = goto[edge] as usize;
                }
            }
            if !k.is_empty() {
                ends_here[state].push(pattern as u32);
            }
        }

        // Failure links, breadth first, resolved into a full transition table: a missing
        // child becomes the failure state's transition (already resolved, being shallower).
        // Each state's outputs are its own keywords then those of its failure state.
        let states = ends_here.len();
        let mut outputs_of = ends_here;
        let mut queue = std::collections::VecDeque::new();
        for &child in &goto[..width] {
            if child != 0 {
                queue.push_back((child as usize, 0usize));
            }
        }
        while let Some((state, fail)) = queue.pop_front() {
            if !outputs_of[fail].is_empty() {
                let inherited = outputs_of[fail].clone();
                outputs_of[state].extend(inherited);
            }
            for c in 0..width {
                let via_fail = goto[fail * width + c];
                let edge = state * width + c;
                match goto[edge] {
                    0 => goto[edge] = via_fail,
                    child => queue.push_back((child as usize, via_fail as usize)),
                }
            }
        }

        // `states` is the root after a word byte; the root proper (0) is the root after a
        // non-word byte or at the beginning.
        let root_after_word = states;
        outputs_of.push(Vec::new());
        let states = states + 1;

        // Renumber: states without outputs first (the root stays 0), so one comparison tells a
        // match state.
        let mut order: Vec<usize> = (0..states).filter(|&s| outputs_of[s].is_empty()).collect();
        let first_match = order.len();
        order.extend((0..states).filter(|&s| !outputs_of[s].is_empty()));
        // Match states start at a power of two, above every other state, so that whether any
        // of several states matches is one test of their bitwise or: an or is at least its
        // largest operand, and one of states below a power of two stays below it. (Without
        // the gap, non-match states or-ed past the first match state, and the search took the
        // reporting branch far more often: 2.5 times slower.)
        let match_base = (first_match * stride).next_power_of_two();
        let row_of = |i: usize| {
            if i < first_match {
                i * stride
            } else {
                match_base + (i - first_match) * stride
            }
        };
        let mut id = vec![0u32; states];
        for (i, &s) in order.iter().enumerate() {
            id[s] = u32::try_from(row_of(i)).expect("keyword automaton fits 32-bit state ids");
        }

        // Byte transitions: the boundary is stepped over before a word byte that follows a
        // non-word byte. States entered by the boundary are always left by the byte that
        // follows it: their rows are never used.
        let mut table = vec![0u32; row_of(states)];
        for (i, &s) in order.iter().enumerate() {
            let (base, after_non_word) = if s == root_after_word {
                (0, false)
            } else {
                (
                    s,
                    s == 0 || !class_is_word.get(last_symbol[s]).copied().unwrap_or(true),
                )
            };
            let boundary_row = goto[base * width + boundary] as usize * width;
            for c in 0..stride {
                let next = if after_non_word && class_is_word[c] {
                    goto[boundary_row + c]
                } else {
                    goto[base * width + c]
                } as usize;
                let next = if next == 0 && class_is_word[c] {
                    root_after_word
                } else {
                    next
                };
                table[row_of(i) + c] = id[next];
            }
        }
        let lens: Vec<usize> = keywords.iter().map(|k| k.len()).collect();
        let mut output_ranges = Vec::new();
        let mut outputs = Vec::new();
        for &s in &order[first_match..] {
            let mut outs = outputs_of[s].clone();
            outs.sort_by_key(|&p| std::cmp::Reverse(lens[p as usize]));
            output_ranges.push((outputs.len() as u32, outs.len() as u32));
            outputs.extend(outs);
        }
        KeywordDfa {
            class,
            stride,
            trans: table,
            first_match: match_base as u32,
            root_after_word: id[root_after_word],
            output_ranges,
            outputs,
            max_len: lens.iter().copied().max().unwrap_or(0),
            lens,
            loop_kind: match (Avx512Vbmi::detect(), Avx2::detect()) {
                (Some(cpu), _) => Loop::Wide(Some(cpu)),
                (None, Some(cpu)) => Loop::WideBytes(cpu),
                (None, None) => Loop::Interleaved,
            },
        }
    }

    /// Searches with [`STREAMS`] interleaved streams even where the CPU can run [`WIDE`]
    /// (for tests and measurements).
    pub fn interleaved_only(mut self) -> KeywordDfa {
        self.loop_kind = Loop::Interleaved;
        self
    }

    /// Searches as a CPU without AVX-512 would: with the AVX2 loop where the CPU has AVX2
    /// (for tests and measurements).
    pub fn without_avx512(mut self) -> KeywordDfa {
        if let Loop::Wide(Some(_)) = self.loop_kind {
            self.loop_kind = Avx2::detect().map_or(Loop::Interleaved, Loop::WideBytes);
        }
        self
    }

    /// The state to start in at `at`: the root, told whether a word byte comes before.
    fn start_state(&self, hay: &[u8], at: usize) -> u32 {
        if follows_word_byte(hay, at) {
            self.root_after_word
        } else {
            0
        }
    }

    /// Memory held by the tables, in bytes.
    pub fn memory_usage(&self) -> usize {
        self.trans.len() * 4 + self.outputs.len() * 4 + self.output_ranges.len() * 8
    }

    fn outputs(&self, state: u32) -> &[u32] {
        let i = ((state - self.first_match) as usize) / self.stride;
        let (from, n) = self.output_ranges[i];
        &self.outputs[from as usize..(from + n) as usize]
    }

    /// Every keyword occurrence in `hay`, in `hits.all`, sorted by end, then longest first.
    pub fn find_all(&self, hay: &[u8], hits: &mut Hits) {
        hits.all.clear();
        if self.max_len == 0 {
            return;
        }
        let wide = hay.len() >= WIDE * MIN_STREAM_LEN;
        if let (Loop::Wide(transposer), true) = (self.loop_kind, wide) {
            let limits = self.search_wide(hay, transposer, &mut hits.wide);
            self.merge(&mut hits.wide, &limits, &mut hits.all);
        } else if let (Loop::WideBytes(cpu), true) = (self.loop_kind, wide) {
            let limits = self.search_wide_bytes(hay, cpu, &mut hits.wide);
            self.merge(&mut hits.wide, &limits, &mut hits.all);
        } else if hay.len() >= STREAMS * MIN_STREAM_LEN {
            let limits = self.search_interleaved(hay, &mut hits.streams);
            self.merge(&mut hits.streams, &limits, &mut hits.all);
        } else {
            self.search(hay, 0, hay.len(), hay.len(), &mut hits.all);
        }
    }

    /// Appends the streams' hits to `all` in order. Each stream's hits are in order, and
    /// stream k + 1's follow stream k's except for ends within a keyword's length of the limit
    /// between them: only that stretch is sorted.
    fn merge<const N: usize>(
        &self,
        streams: &mut [Vec<Hit>; N],
        limits: &[usize; N],
        all: &mut Vec<Hit>,
    ) {
        let order = |h: &Hit| (h.end, std::cmp::Reverse(h.end - h.start));
        for (k, stream) in streams.iter_mut().enumerate() {
            let joint = all.len();
            all.append(stream);
            if k == 0 {
                continue;
            }
            let limit = limits[k - 1];
            let from = all[..joint]
                .iter()
                .rposition(|h| h.end <= limit)
                .map_or(0, |i| i + 1);
            let to = all[joint..]
                .iter()
                .position(|h| h.end >= limit + self.max_len)
                .map_or(all.len(), |i| joint + i);
            all[from..to].sort_unstable_by_key(order);
        }
    }

    /// One stream over `hay[from..to]`, reporting keywords that start before `limit`.
    fn search(&self, hay: &[u8], from: usize, to: usize, limit: usize, out: &mut Vec<Hit>) {
        self.resume(hay, self.start_state(hay, from), from, to, limit, out);
    }

    fn resume(
        &self,
        hay: &[u8],
        mut state: u32,
        from: usize,
        to: usize,
        limit: usize,
        out: &mut Vec<Hit>,
    ) {
        for (i, &b) in hay[from..to].iter().enumerate() {
            state = self.trans[state as usize + usize::from(self.class[usize::from(b)])];
            if state >= self.first_match {
                self.report(state, from + i + 1, limit, out);
            }
        }
    }

    #[inline]
    fn report(&self, state: u32, end: usize, limit: usize, out: &mut Vec<Hit>) {
        for &p in self.outputs(state) {
            let start = end - self.lens[p as usize];
            if start < limit {
                out.push(Hit {
                    end,
                    start,
                    pattern: p,
                });
            }
        }
    }

    /// Reports each stream's keywords ending `offset` bytes into its part. Out of line, so the
    /// interleaved loops keep their states in registers.
    #[cold]
    #[inline(never)]
    fn report_streams<const N: usize>(
        &self,
        states: [u32; N],
        offset: usize,
        parts: &Parts<N>,
        out: &mut [Vec<Hit>; N],
    ) {
        for (k, state) in states.into_iter().enumerate() {
            if state >= self.first_match {
                self.report(
                    state,
                    parts.starts[k] + offset,
                    parts.limits[k],
                    &mut out[k],
                );
            }
        }
    }

    /// Splits `hay` into `N` parts of equal length, each but the last extended to find the
    /// keywords that start in it.
    fn split<const N: usize>(&self, hay: &[u8]) -> Parts<N> {
        let n = hay.len();
        let part = n / N;
        let mut parts = Parts {
            starts: [0; N],
            ends: [0; N],
            limits: [0; N],
            common: 0,
        };
        for k in 0..N {
            parts.starts[k] = k * part;
            parts.limits[k] = if k == N - 1 { n } else { (k + 1) * part };
            parts.ends[k] = if k == N - 1 {
                n
            } else {
                (parts.limits[k] + self.max_len - 1).min(n)
            };
        }
        parts.common = (0..N)
            .map(|k| parts.ends[k] - parts.starts[k])
            .min()
            .unwrap_or(0);
        parts
    }

    /// Each part past the length all share, one stream at a time.
    fn finish<const N: usize>(
        &self,
        hay: &[u8],
        state: [u32; N],
        parts: &Parts<N>,
        out: &mut [Vec<Hit>; N],
    ) {
        for k in 0..N {
            self.resume(
                hay,
                state[k],
                parts.starts[k] + parts.common,
                parts.ends[k],
                parts.limits[k],
                &mut out[k],
            );
        }
    }

    /// Returns where each part ends (the start limit of its hits).
    #[inline(never)]
    fn search_interleaved(&self, hay: &[u8], out: &mut [Vec<Hit>; STREAMS]) -> [usize; STREAMS] {
        let parts = self.split::<STREAMS>(hay);
        // Hits are reported out of line: inline, the reporting code's values took the registers
        // and the states were kept in memory, putting a store and a reload in every lookup chain.
        let common = parts.common;
        let [p0, p1, p2, p3] = parts.starts.map(|s| &hay[s..s + common]);
        let (trans, class, first_match) = (&self.trans[..], &self.class, self.first_match);
        // States in locals: kept in an array, they were stored and reloaded at every step.
        let [mut s0, mut s1, mut s2, mut s3] = parts.starts.map(|s| self.start_state(hay, s));
        let step = |state: u32, b: u8| trans[state as usize + usize::from(class[usize::from(b)])];
        for i in 0..common {
            s0 = step(s0, p0[i]);
            s1 = step(s1, p1[i]);
            s2 = step(s2, p2[i]);
            s3 = step(s3, p3[i]);
            // One test of the or tells whether any stream matched (see `match_base`).
            if (s0 | s1 | s2 | s3) >= first_match {
                self.report_streams([s0, s1, s2, s3], i + 1, &parts, out);
            }
        }
        self.finish(hay, [s0, s1, s2, s3], &parts, out);
        parts.limits
    }

    /// [`KeywordDfa::search_interleaved`] with [`WIDE`] streams, reading their byte classes
    /// from a block where the streams' classes at each offset lie together. Eight streams
    /// with a pointer each would not fit the registers; one pointer with a constant offset per
    /// stream does.
    #[inline(never)]
    fn search_wide(
        &self,
        hay: &[u8],
        transposer: Option<Avx512Vbmi>,
        out: &mut [Vec<Hit>; WIDE],
    ) -> [usize; WIDE] {
        let trans = &self.trans[..];
        wide_loop!(
            self,
            hay,
            out,
            |starts: &[usize; WIDE], from, len, block: &mut [u8; WIDE_BLOCK * WIDE]| {
                self.transpose(transposer, hay, starts, from, len, block)
            },
            |state: u32, c: u8| trans[state as usize + usize::from(c)]
        )
    }

    /// [`KeywordDfa::search_wide`] over transposed bytes, looking up their classes in the
    /// loop.
    #[inline(never)]
    fn search_wide_bytes(
        &self,
        hay: &[u8],
        cpu: Avx2,
        out: &mut [Vec<Hit>; WIDE],
    ) -> [usize; WIDE] {
        let (trans, class) = (&self.trans[..], &self.class);
        wide_loop!(
            self,
            hay,
            out,
            |starts: &[usize; WIDE], from, len, block: &mut [u8; WIDE_BLOCK * WIDE]| {
                Self::transpose_bytes(cpu, hay, starts, from, len, block)
            },
            |state: u32, b: u8| trans[state as usize + usize::from(class[usize::from(b)])]
        )
    }

    /// `block[i * WIDE + k]` = `hay[starts[k] + from + i]`, for `i < len`.
    fn transpose_bytes(
        cpu: Avx2,
        hay: &[u8],
        starts: &[usize; WIDE],
        from: usize,
        len: usize,
        block: &mut [u8; WIDE_BLOCK * WIDE],
    ) {
        let mut i = 0;
        while i + 32 <= len {
            let sources = starts.map(|s| {
                <&[u8; 32]>::try_from(&hay[s + from + i..s + from + i + 32]).expect("32 bytes")
            });
            let out = <&mut [u8; 32 * WIDE]>::try_from(&mut block[i * WIDE..(i + 32) * WIDE])
                .expect("32 rows");
            cpu.transpose_32(sources, out);
            i += 32;
        }
        for (k, &s) in starts.iter().enumerate() {
            for (j, &b) in hay[s + from + i..s + from + len].iter().enumerate() {
                block[(i + j) * WIDE + k] = b;
            }
        }
    }

    /// `block[i * WIDE + k]` = the class of `hay[starts[k] + from + i]`, for `i < len`.
    fn transpose(
        &self,
        transposer: Option<Avx512Vbmi>,
        hay: &[u8],
        starts: &[usize; WIDE],
        from: usize,
        len: usize,
        block: &mut [u8; WIDE_BLOCK * WIDE],
    ) {
        let mut i = 0;
        if let Some(cpu) = transposer {
            while i + 64 <= len {
                let sources = starts.map(|s| {
                    <&[u8; 64]>::try_from(&hay[s + from + i..s + from + i + 64]).expect("64 bytes")
                });
                let out = <&mut [u8; 64 * WIDE]>::try_from(&mut block[i * WIDE..(i + 64) * WIDE])
                    .expect("64 rows");
                cpu.transpose_64(&self.class, sources, out);
                i += 64;
            }
        }
        for (k, &s) in starts.iter().enumerate() {
            for (j, &b) in hay[s + from + i..s + from + len].iter().enumerate() {
                block[(i + j) * WIDE + k] = self.class[usize::from(b)];
            }
        }
    }
}

/// How content is split between interleaved streams.
struct Parts<const N: usize> {
    starts: [usize; N],
    /// Where each stream stops: its limit, extended by the longest keyword minus one byte.
    ends: [usize; N],
    /// Each stream reports only the keywords that start before its limit.
    limits: [usize; N],
    /// The length every stream has: the interleaved loop's length.
    common: usize,
}

/// Proof that the CPU has AVX-512 F, BW and VBMI.
#[derive(Debug, Clone, Copy)]
struct Avx512Vbmi(());

/// Proof that the CPU has AVX2.
#[derive(Debug, Clone, Copy)]
struct Avx2(());

#[cfg(target_arch = "x86_64")]
impl Avx512Vbmi {
    fn detect() -> Option<Avx512Vbmi> {
        (std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi"))
        .then_some(Avx512Vbmi(()))
    }

    /// `out[i * WIDE + k]` = `class[sources[k][i]]`.
    fn transpose_64(
        self,
        class: &[u8; 256],
        sources: [&[u8; 64]; WIDE],
        out: &mut [u8; 64 * WIDE],
    ) {
        // SAFETY: an `Avx512Vbmi` exists only when the CPU has these instructions.
        unsafe { simd::transpose_64(class, sources, out) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    fn detect() -> Option<Avx2> {
        std::arch::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }

    /// `out[i * WIDE + k]` = `sources[k][i]`.
    fn transpose_32(self, sources: [&[u8; 32]; WIDE], out: &mut [u8; 32 * WIDE]) {
        // SAFETY: an `Avx2` exists only when the CPU has AVX2.
        unsafe { simd::transpose_32(sources, out) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Avx512Vbmi {
    fn detect() -> Option<Avx512Vbmi> {
        None
    }

    fn transpose_64(self, _: &[u8; 256], _: [&[u8; 64]; WIDE], _: &mut [u8; 64 * WIDE]) {
        unreachable!("never detected on this architecture")
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Avx2 {
    fn detect() -> Option<Avx2> {
        None
    }

    fn transpose_32(self, _: [&[u8; 32]; WIDE], _: &mut [u8; 32 * WIDE]) {
        unreachable!("never detected on this architecture")
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::WIDE;
    use std::arch::x86_64::*;

    /// Transposes eight registers of bytes, one per stream, by unpacking bytes, words and
    /// double words within each 128-bit lane, and stores the rows: lane `l` of the last
    /// round's `m`-th register holds rows `16 l + 2 m` and `16 l + 2 m + 1`, eight bytes each.
    macro_rules! transpose_lanes {
        ($r:expr, $out:expr, [$($lane:expr),+], $lo8:ident, $hi8:ident, $lo16:ident,
         $hi16:ident, $lo32:ident, $hi32:ident) => {{
            let r = $r;
            let b = [
                $lo8(r[0], r[1]), $hi8(r[0], r[1]), $lo8(r[2], r[3]), $hi8(r[2], r[3]),
                $lo8(r[4], r[5]), $hi8(r[4], r[5]), $lo8(r[6], r[7]), $hi8(r[6], r[7]),
            ];
            let w = [
                $lo16(b[0], b[2]), $hi16(b[0], b[2]), $lo16(b[1], b[3]), $hi16(b[1], b[3]),
                $lo16(b[4], b[6]), $hi16(b[4], b[6]), $lo16(b[5], b[7]), $hi16(b[5], b[7]),
            ];
            let d = [
                $lo32(w[0], w[4]), $hi32(w[0], w[4]), $lo32(w[1], w[5]), $hi32(w[1], w[5]),
                $lo32(w[2], w[6]), $hi32(w[2], w[6]), $lo32(w[3], w[7]), $hi32(w[3], w[7]),
            ];
            for (m, v) in d.into_iter().enumerate() {
                let lanes: &[fn(_) -> __m128i] = &[$($lane),+];
                for (l, lane) in lanes.iter().enumerate() {
                    let at = (16 * l + 2 * m) * WIDE;
                    let dst: &mut [u8; 16] = (&mut $out[at..at + 16]).try_into().expect("a row pair");
                    // SAFETY: an unaligned store within `dst`.
                    unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), lane(v)) };
                }
            }
        }};
    }

    /// Looks up the 64 bytes' classes (two 128-byte table halves, picked by the top bit),
    /// then transposes.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn transpose_64(
        class: &[u8; 256],
        sources: [&[u8; 64]; WIDE],
        out: &mut [u8; 64 * WIDE],
    ) {
        // SAFETY: unaligned loads within the arrays the references cover.
        let load = |bytes: &[u8]| unsafe { _mm512_loadu_si512(bytes[..64].as_ptr().cast()) };
        let (t0, t1) = (load(&class[..64]), load(&class[64..128]));
        let (t2, t3) = (load(&class[128..192]), load(&class[192..]));
        let r = sources.map(|src| {
            let bytes = load(src);
            let low = _mm512_permutex2var_epi8(t0, bytes, t1);
            let high = _mm512_permutex2var_epi8(t2, bytes, t3);
            _mm512_mask_blend_epi8(_mm512_movepi8_mask(bytes), low, high)
        });
        transpose_lanes!(
            r,
            out,
            [
                |v| _mm512_extracti32x4_epi32::<0>(v),
                |v| _mm512_extracti32x4_epi32::<1>(v),
                |v| _mm512_extracti32x4_epi32::<2>(v),
                |v| _mm512_extracti32x4_epi32::<3>(v)
            ],
            _mm512_unpacklo_epi8,
            _mm512_unpackhi_epi8,
            _mm512_unpacklo_epi16,
            _mm512_unpackhi_epi16,
            _mm512_unpacklo_epi32,
            _mm512_unpackhi_epi32
        );
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn transpose_32(sources: [&[u8; 32]; WIDE], out: &mut [u8; 32 * WIDE]) {
        // SAFETY: unaligned loads within the arrays the references cover.
        let r = sources.map(|src| unsafe { _mm256_loadu_si256(src.as_ptr().cast()) });
        transpose_lanes!(
            r,
            out,
            [
                |v| _mm256_castsi256_si128(v),
                |v| _mm256_extracti128_si256::<1>(v)
            ],
            _mm256_unpacklo_epi8,
            _mm256_unpackhi_epi8,
            _mm256_unpacklo_epi16,
            _mm256_unpackhi_epi16,
            _mm256_unpacklo_epi32,
            _mm256_unpackhi_epi32
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence, by brute force.
    fn naive(keywords: &[&str], hay: &[u8]) -> Vec<Hit> {
        naive_word_starts(keywords, &vec![false; keywords.len()], hay)
    }

    /// Every occurrence, by brute force, except those right after a word byte of keywords
    /// restricted to word starts that begin with a word byte.
    fn naive_word_starts(keywords: &[&str], word_start: &[bool], hay: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        for start in 0..hay.len() {
            for (p, k) in keywords.iter().enumerate() {
                let end = start + k.len();
                let restricted = word_start[p] && k.bytes().next().is_some_and(is_word_byte);
                if !k.is_empty()
                    && end <= hay.len()
                    && hay[start..end].eq_ignore_ascii_case(k.as_bytes())
                    && !(restricted && follows_word_byte(hay, start))
                {
                    out.push(Hit {
                        end,
                        start,
                        pattern: p as u32,
                    });
                }
            }
        }
        out.sort_unstable_by_key(|h| (h.end, std::cmp::Reverse(h.end - h.start), h.pattern));
        out
    }

    /// The automaton with each search loop: interleaved, wide with plain transposition, and
    /// wide with AVX2 and AVX-512 where this CPU has them.
    fn with_each_loop(dfa: &KeywordDfa) -> Vec<KeywordDfa> {
        let mut loops = vec![Loop::Interleaved, Loop::Wide(None)];
        loops.extend(Avx2::detect().map(Loop::WideBytes));
        loops.extend(Avx512Vbmi::detect().map(|cpu| Loop::Wide(Some(cpu))));
        loops
            .into_iter()
            .map(|loop_kind| KeywordDfa {
                loop_kind,
                ..dfa.clone()
            })
            .collect()
    }

    /// What every search loop finds (they must agree).
    fn found(dfa: &KeywordDfa, hay: &[u8]) -> Vec<Hit> {
        let mut each = with_each_loop(dfa).into_iter().map(|d| found_by(&d, hay));
        let first = each.next().expect("a loop");
        for (i, other) in each.enumerate() {
            assert_eq!(
                other,
                first,
                "loop {} differs from the interleaved one",
                i + 1
            );
        }
        first
    }

    fn found_by(dfa: &KeywordDfa, hay: &[u8]) -> Vec<Hit> {
        let mut hits = Hits::default();
        dfa.find_all(hay, &mut hits);
        let order = |h: &Hit| (h.end, std::cmp::Reverse(h.end - h.start));
        assert!(hits.all.windows(2).all(|w| order(&w[0]) <= order(&w[1])));
        // Keywords of the same length ending at the same place may come in any order.
        let mut out = hits.all;
        out.sort_unstable_by_key(|h| (h.end, std::cmp::Reverse(h.end - h.start), h.pattern));
        out
    }

    #[test]
    fn finds_every_overlapping_occurrence_case_insensitively() {
        let keywords = ["key", "api_key", "pass", "password", "ss", "a", "://"];
        let dfa = KeywordDfa::new(&keywords);
        let hay = b"API_KEY=x; PassWord: https://h a ssss";
        assert_eq!(found(&dfa, hay), naive(&keywords, hay));
    }

    #[test]
    fn interleaved_streams_report_each_occurrence_once_across_part_boundaries() {
        let keywords = ["token", "tok", "ken_secret", "t", "secret", "x"];
        let dfa = KeywordDfa::new(&keywords);
        // Long enough for several streams; keywords straddle every possible split point.
        let mut hay = Vec::new();
        let mut seed = 7u32;
        while hay.len() < 20_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let piece: &[u8] = match (seed >> 16) % 5 {
                0 => b"token_secret ",
                1 => b"TOKEN",
                2 => b"ken_secret",
                3 => b"..",
                _ => b"x",
            };
            hay.extend_from_slice(piece);
        }
        for len in [
            hay.len(),
            hay.len() - 1,
            hay.len() - 2,
            STREAMS * MIN_STREAM_LEN,
            STREAMS * MIN_STREAM_LEN - 1,
            STREAMS * MIN_STREAM_LEN + 1,
            WIDE * MIN_STREAM_LEN,
            WIDE * MIN_STREAM_LEN - 1,
            WIDE * MIN_STREAM_LEN + 1,
            // Several transposed blocks per stream, then 64-byte steps and a shorter tail.
            WIDE * (2 * WIDE_BLOCK + 3 * 64 + 5),
        ] {
            let h = &hay[..len];
            assert_eq!(found(&dfa, h), naive(&keywords, h), "length {len}");
        }
    }

    #[test]
    fn keywords_longer_than_a_part_are_found_across_parts() {
        // A user rule's keyword may be longer than the part each stream starts in.
        let long = "k".repeat(MIN_STREAM_LEN + 40) + "_end";
        let keywords = [long.as_str(), "kk", "_end"];
        let dfa = KeywordDfa::new(&keywords);
        for offset in [0, 1, MIN_STREAM_LEN - 3, 2 * MIN_STREAM_LEN + 7] {
            let mut hay = vec![b'.'; offset];
            hay.extend_from_slice(long.as_bytes());
            for len in [STREAMS, WIDE].map(|n| n * MIN_STREAM_LEN + 100) {
                hay.resize(len, b'.');
                assert_eq!(found(&dfa, &hay), naive(&keywords, &hay), "offset {offset}");
            }
        }
    }

    #[test]
    fn word_start_keywords_are_reported_only_at_word_starts() {
        let keywords = ["lob", "pat", "-us", "ld_", "api.key", "key", "a b"];
        let word_start = [true, true, true, true, true, false, true];
        let dfa = KeywordDfa::with_word_starts(&keywords, &word_start);
        let hay = b"lob glob .lob _lob LOB9lob pat path spat -us x-us ld_ build_ \
                    api.key my_api.key api.keys key akey a b xa b";
        let found = found(&dfa, hay);
        assert_eq!(found, naive_word_starts(&keywords, &word_start, hay));
        let count = |p: u32| found.iter().filter(|h| h.pattern == p).count();
        // lob: the first, after '.', and "LOB"; not in "glob", "_lob" or after "9".
        assert_eq!(count(0), 3);
        assert_eq!(count(1), 2, "pat, path; not spat");
        assert_eq!(count(2), 2, "'-' is not a word byte: reported anywhere");
        assert_eq!(count(3), 1, "ld_; not build_");
        assert_eq!(
            count(4),
            2,
            "api.key twice (and in api.keys); not my_api.key"
        );
        assert_eq!(
            count(5),
            5,
            "key is not restricted: in akey and my_api.key too"
        );
        assert_eq!(count(6), 1, "a b; not xa b");
    }

    #[test]
    fn word_starts_match_brute_force_on_random_content_across_streams() {
        let mut seed = 11u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let alphabet = b"abAB_-. 9z\xff";
        for round in 0..60 {
            // Keywords from a small alphabet, so they overlap, nest and share prefixes.
            let mut keywords = Vec::new();
            let mut word_start = Vec::new();
            for _ in 0..1 + next(8) {
                let len = 1 + next(4) as usize;
                let k: Vec<u8> = (0..len)
                    .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                    .collect();
                keywords.push(String::from_utf8_lossy(&k).into_owned());
                word_start.push(next(2) == 0);
            }
            let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
            let dfa = KeywordDfa::with_word_starts(&keywords, &word_start);
            let len = [
                10,
                STREAMS * MIN_STREAM_LEN - 1,
                STREAMS * MIN_STREAM_LEN + 3,
                WIDE * MIN_STREAM_LEN + 3,
                9_000,
            ][round % 5];
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(
                found(&dfa, &hay),
                naive_word_starts(&keywords, &word_start, &hay),
                "keywords {keywords:?}, word starts {word_start:?}, length {len}"
            );
        }
    }

    #[test]
    fn keywords_and_content_with_bytes_above_ascii() {
        // "é" and "ÿ" in UTF-8: C3 A9 and C3 BF. Bytes above 127 take the other half of the
        // AVX-512 transposition's class table.
        let keywords = ["\u{e9}", "\u{e9}t", "a\u{ff}", "t"];
        let dfa = KeywordDfa::new(&keywords);
        let alphabet = [b'a', b't', 0xc3, 0xa9, 0xbf, 0x80, 0xff, b' '];
        let mut seed = 5u32;
        let hay: Vec<u8> = (0..9_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                alphabet[(seed >> 16) as usize % alphabet.len()]
            })
            .collect();
        let found = found(&dfa, &hay);
        assert!(found.iter().any(|h| h.pattern == 2), "a\u{ff} occurs");
        assert_eq!(found, naive(&keywords, &hay));
    }

    #[test]
    fn avx512_transposition_matches_plain_code() {
        let Some(cpu) = Avx512Vbmi::detect() else {
            eprintln!("this CPU lacks AVX-512 VBMI: that transposition is never used here");
            return;
        };
        // A class for every byte value, distinct in both halves of the table.
        let class: [u8; 256] = std::array::from_fn(|b| (b as u8).wrapping_mul(7) ^ 0x5a);
        let content: Vec<u8> = (0..64 * WIDE).map(|i| (i * 37 + i / 64) as u8).collect();
        let sources: [&[u8; 64]; WIDE] =
            std::array::from_fn(|k| content[k * 64..(k + 1) * 64].try_into().unwrap());
        let mut out = [0u8; 64 * WIDE];
        cpu.transpose_64(&class, sources, &mut out);
        for (i, row) in out.chunks_exact(WIDE).enumerate() {
            for (k, &c) in row.iter().enumerate() {
                assert_eq!(c, class[usize::from(sources[k][i])], "row {i}, stream {k}");
            }
        }
    }

    #[test]
    fn avx2_transposition_matches_plain_code() {
        let Some(cpu) = Avx2::detect() else {
            eprintln!("this CPU lacks AVX2: that transposition is never used here");
            return;
        };
        let content: Vec<u8> = (0..32 * WIDE).map(|i| (i * 37 + i / 32) as u8).collect();
        let sources: [&[u8; 32]; WIDE] =
            std::array::from_fn(|k| content[k * 32..(k + 1) * 32].try_into().unwrap());
        let mut out = [0u8; 32 * WIDE];
        cpu.transpose_32(sources, &mut out);
        for (i, row) in out.chunks_exact(WIDE).enumerate() {
            for (k, &b) in row.iter().enumerate() {
                assert_eq!(b, sources[k][i], "row {i}, stream {k}");
            }
        }
    }

    #[test]
    fn match_states_start_at_a_power_of_two_above_every_other_state() {
        // The interleaved loops test the or of their states against the first match state: a
        // match is never missed, and no other states pass only when it is a power of two with
        // every other state below it.
        let dfa = KeywordDfa::with_word_starts(&["token", "tok", "pass", "x"], &[true; 4]);
        assert!(dfa.first_match.is_power_of_two());
        let (matching, other): (Vec<u32>, Vec<u32>) =
            dfa.trans.iter().partition(|&&s| s >= dfa.first_match);
        assert!(!matching.is_empty() && !other.is_empty());
        assert!(matching.iter().all(|&s| !dfa.outputs(s).is_empty()));
        assert!(other.iter().fold(0, |or, &s| or | s) < dfa.first_match);
    }

    #[test]
    fn hits_come_sorted_by_end() {
        let dfa = KeywordDfa::new(&["ab", "b", "abc"]);
        let hay = b"abc ".repeat(2000);
        let mut hits = Hits::default();
        dfa.find_all(&hay, &mut hits);
        assert!(hits.all.windows(2).all(|w| w[0].end <= w[1].end));
        assert_eq!(hits.all.len(), 3 * 2000);
    }

    #[test]
    fn no_keywords_and_bytes_outside_every_keyword() {
        let dfa = KeywordDfa::new::<&str>(&[]);
        let mut hits = Hits::default();
        dfa.find_all(b"anything", &mut hits);
        assert!(hits.all.is_empty());
        let dfa = KeywordDfa::new(&["\u{e9}t\u{e9}"]);
        dfa.find_all("ÉTÉ été".as_bytes(), &mut hits);
        // Only ASCII letters fold: the UTF-8 bytes of "É" differ from those of "é".
        assert_eq!(hits.all.len(), 1);
    }
}
