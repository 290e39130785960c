//! What a terminal answers when a program asks it something, for tests that run a program in
//! a pseudo-terminal read back through vt100 (which answers nothing itself): the primary
//! device attributes (`ESC [ c`, answered as a VT220 without graphics) and the status report
//! (`ESC [ 5 n`, "OK"). The inspector asks both once at start, to learn whether the terminal
//! draws images; a real terminal answers at once.
#![allow(dead_code)]

/// The answers owed for `new`, the bytes just written by the program; `pending` keeps the
/// end of what came before, so that a question split across two writes is still seen.
pub fn answers(pending: &mut Vec<u8>, new: &[u8]) -> Vec<u8> {
    const QUESTIONS: [(&[u8], &[u8]); 2] = [(b"\x1b[c", b"\x1b[?62;22c"), (b"\x1b[5n", b"\x1b[0n")];
    pending.extend_from_slice(new);
    let mut out = Vec::new();
    let mut at = 0;
    let mut answered_to = 0;
    while at < pending.len() {
        let found = QUESTIONS
            .iter()
            .find(|(question, _)| pending[at..].starts_with(question));
        match found {
            Some((question, answer)) => {
                out.extend_from_slice(answer);
                at += question.len();
                answered_to = at;
            }
            None => at += 1,
        }
    }
    // Keep at most the last three bytes not yet answered: the start of a question cut by the
    // end of this write (a question answered is never kept, so never answered twice).
    let keep = pending.len().saturating_sub(3).max(answered_to);
    pending.drain(..keep);
    out
}
