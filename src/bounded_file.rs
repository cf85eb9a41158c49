//! The one reader of files a user names (the config, an import, a secret): a
//! regular file, never more than a stated number of bytes.
//!
//! Without it `--config /dev/zero` or `import /dev/zero` grew past 2 GiB in
//! seconds, and a FIFO blocked forever: the metadata is checked before the file
//! is opened (opening a FIFO blocks until a writer appears), again on the opened
//! file (the path may have been replaced in between), and the read is capped.

use std::io::Read;
use std::path::Path;

use crate::messages::config::SpecialFile;

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum Refusal {
    NotRegular(SpecialFile),
    TooLarge { size: u64, max: u64 },
    Io(std::io::Error),
}

/// Reads the regular file at `path` if it holds at most `max` bytes.
pub(crate) fn read(path: &Path, max: u64) -> Result<Vec<u8>, Refusal> {
    check(&std::fs::metadata(path).map_err(Refusal::Io)?, max)?;
    let file = std::fs::File::open(path).map_err(Refusal::Io)?;
    check(&file.metadata().map_err(Refusal::Io)?, max)?;
    read_capped(file, max)
}

/// Reads at most `max` bytes from `source` (standard input, say); more is refused.
pub(crate) fn read_capped(source: impl Read, max: u64) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    source
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    let size = bytes.len() as u64;
    if size > max {
        return Err(Refusal::TooLarge { size, max });
    }
    Ok(bytes)
}

fn check(metadata: &std::fs::Metadata, max: u64) -> Result<(), Refusal> {
    if let Some(kind) = special_kind(metadata) {
        return Err(Refusal::NotRegular(kind));
    }
    if metadata.len() > max {
        return Err(Refusal::TooLarge {
            size: metadata.len(),
            max,
        });
    }
    Ok(())
}

/// What `metadata` describes when it is not a regular file.
pub(crate) fn special_kind(metadata: &std::fs::Metadata) -> Option<SpecialFile> {
    use std::os::unix::fs::FileTypeExt;
    let file_type = metadata.file_type();
    Some(if file_type.is_file() {
        return None;
    } else if file_type.is_dir() {
        SpecialFile::Directory
    } else if file_type.is_char_device() {
        SpecialFile::CharDevice
    } else if file_type.is_block_device() {
        SpecialFile::BlockDevice
    } else if file_type.is_fifo() {
        SpecialFile::Fifo
    } else if file_type.is_socket() {
        SpecialFile::Socket
    } else {
        SpecialFile::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_before_reading() {
        let zero = read(Path::new("/dev/zero"), 1024);
        assert!(matches!(
            zero,
            Err(Refusal::NotRegular(SpecialFile::CharDevice))
        ));
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening it would block forever: the refusal comes first.
            assert!(matches!(
                read(&fifo, 1024),
                Err(Refusal::NotRegular(SpecialFile::Fifo))
            ));
        }
        let directory = read(dir.path(), 1024);
        assert!(matches!(
            directory,
            Err(Refusal::NotRegular(SpecialFile::Directory))
        ));
    }

    #[test]
    fn a_file_or_a_stream_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'a'; 11]).unwrap();
        assert!(matches!(
            read(&path, 10),
            Err(Refusal::TooLarge { size: 11, max: 10 })
        ));
        assert_eq!(read(&path, 11).unwrap().len(), 11);
        let endless = std::io::repeat(b'a');
        assert!(matches!(
            read_capped(endless, 10),
            Err(Refusal::TooLarge { size: 11, .. })
        ));
    }
}
