//! `--shard K/N`: which files one of N machines takes.
//!
//! A file belongs to shard `1 + (h mod N)`, `h` the first 8 bytes of SHA-256 of its path under
//! the output folder (components joined by `/`). The split depends only on the file's place
//! in the tree, so the N shards cover every file exactly once wherever and in whatever order
//! they run; and since UIDs, hashes and date shifts derive from the salt, their outputs are
//! byte for byte those of one single run.

use std::path::Path;

use sha2::{Digest, Sha256};

/// One shard of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    k: u64,
    n: u64,
}

impl Shard {
    /// Parses `K/N`, 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("a shard is K/N with 1 ≤ K ≤ N, e.g. 3/16; not '{text}'");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether the file written to `output` (under the run's output `root`) is this shard's.
    pub fn takes(&self, root: &Path, output: &Path) -> bool {
        let rel = output.strip_prefix(root).unwrap_or(output);
        let key: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let digest = Sha256::digest(key.join("/").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.n == self.k - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_files() {
        let root = Path::new("/out");
        let files: Vec<_> = (0..200)
            .map(|i| root.join(format!("s{}/img{i}.dcm", i % 7)))
            .collect();
        let shards: Vec<Shard> = (1..=4)
            .map(|k| Shard::parse(&format!("{k}/4")).unwrap())
            .collect();
        for f in &files {
            assert_eq!(
                shards.iter().filter(|s| s.takes(root, f)).count(),
                1,
                "{}",
                f.display()
            );
        }
        assert!(shards.iter().all(|s| files.iter().any(|f| s.takes(root, f))));
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in ["0/4", "5/4", "3", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert!(Shard::parse("4/4").is_ok());
    }
}
