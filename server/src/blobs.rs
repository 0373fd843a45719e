//! The content-addressed blob store: file bytes of attachments.
//!
//! A blob lives at `<data-dir>/blobs/ab/cdef…`, named by the SHA-256 of its
//! bytes (the first two hex digits are a directory, so no directory grows huge).
//! Its size and content type are recorded in the database ([`crate::storage::BlobMetaStore`]).
//!
//! Writing never leaves a partial blob: bytes stream into a temporary file under
//! `blobs/tmp/`, hashed and counted on the way; past the size limit the write
//! stops and the temporary file is removed. A complete file is flushed to disk,
//! renamed into place (atomic on one filesystem) and only then recorded in the
//! database. A crash can therefore leave at most a stray temporary file or an
//! unrecorded (invisible) blob, never a recorded blob with wrong bytes. The same
//! bytes stored twice are one file and one record.
//!
//! Permission checks are not here: the HTTP routes that call this module check the
//! node's permissions first.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use folio_core::time::Timestamp;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::storage::{BlobMeta, ContentHash, ContentType, Storage, StorageError};

/// What went wrong storing or reading a blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload is bigger than allowed.
    #[error("the file is larger than the limit of {limit} bytes; upload a smaller file")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The file system refused.
    #[error("blob store i/o error at `{path}`: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The metadata could not be stored or read.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The blob store.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    max_bytes: u64,
    storage: Arc<dyn Storage>,
}

/// Removes a temporary file unless disarmed (on error paths and cancellation).
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl BlobStore {
    /// A store under `<data_dir>/blobs` accepting blobs up to `max_bytes`.
    pub fn new(data_dir: &Path, max_bytes: u64, storage: Arc<dyn Storage>) -> Self {
        BlobStore {
            root: data_dir.join("blobs"),
            max_bytes,
            storage,
        }
    }

    /// The largest blob accepted.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Where a blob's bytes live.
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.as_str();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Stores bytes from a slice. See [`BlobStore::put`].
    pub async fn put_bytes(
        &self,
        bytes: &[u8],
        content_type: ContentType,
        now: Timestamp,
    ) -> Result<BlobMeta, BlobError> {
        self.put(bytes, content_type, now).await
    }

    /// Streams `reader` into the store, enforcing the size limit, and records it.
    /// Storing bytes that are already stored returns the existing record.
    pub async fn put(
        &self,
        mut reader: impl AsyncRead + Unpin,
        content_type: ContentType,
        now: Timestamp,
    ) -> Result<BlobMeta, BlobError> {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(io(&tmp_dir))?;
        let mut name = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut name);
        let tmp_path = tmp_dir.join(format!("{}.part", hex::encode(name)));
        let mut guard = TempFile(Some(tmp_path.clone()));

        let mut file = tokio::fs::File::create(&tmp_path)
            .await
            .map_err(io(&tmp_path))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).await.map_err(io(&tmp_path))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > self.max_bytes {
                return Err(BlobError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n]).await.map_err(io(&tmp_path))?;
        }
        file.flush().await.map_err(io(&tmp_path))?;
        file.sync_all().await.map_err(io(&tmp_path))?;
        drop(file);

        let hash = ContentHash::from_digest(hasher.finalize().into());
        let final_path = self.path_of(&hash);
        let dir = final_path.parent().unwrap_or(&self.root).to_owned();
        tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
        if tokio::fs::try_exists(&final_path)
            .await
            .map_err(io(&final_path))?
        {
            // Same hash, same bytes: keep the existing file; the guard removes ours.
        } else {
            tokio::fs::rename(&tmp_path, &final_path)
                .await
                .map_err(io(&final_path))?;
            guard.0 = None;
            // Make the rename itself durable.
            let d = tokio::fs::File::open(&dir).await.map_err(io(&dir))?;
            d.sync_all().await.map_err(io(&dir))?;
        }
        drop(guard);

        let meta = BlobMeta {
            hash,
            size,
            content_type,
            created_at: now,
        };
        Ok(self.storage.put_blob_meta(&meta).await?)
    }

    /// A recorded blob's metadata and an open file to read its bytes; `None` if unknown.
    pub async fn open(
        &self,
        hash: &ContentHash,
    ) -> Result<Option<(BlobMeta, tokio::fs::File)>, BlobError> {
        let Some(meta) = self.storage.blob_meta(hash).await? else {
            return Ok(None);
        };
        let path = self.path_of(hash);
        match tokio::fs::File::open(&path).await {
            Ok(file) => Ok(Some((meta, file))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Reads a whole recorded blob into memory (small blobs, tests).
    pub async fn read(&self, hash: &ContentHash) -> Result<Option<(BlobMeta, Vec<u8>)>, BlobError> {
        let Some((meta, mut file)) = self.open(hash).await? else {
            return Ok(None);
        };
        let mut bytes = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
        file.read_to_end(&mut bytes)
            .await
            .map_err(io(&self.path_of(hash)))?;
        Ok(Some((meta, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;

    async fn store(max: u64) -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::in_memory().await.unwrap());
        let blobs = BlobStore::new(dir.path(), max, storage);
        (dir, blobs)
    }

    fn png() -> ContentType {
        ContentType::parse("image/png").unwrap()
    }

    fn tmp_entries(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("blobs/tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn a_stored_blob_is_named_by_its_sha256_and_reads_back() {
        let (dir, blobs) = store(1024).await;
        let meta = blobs
            .put_bytes(b"hello", png(), Timestamp(7))
            .await
            .unwrap();
        // sha256("hello")
        assert_eq!(
            meta.hash.as_str(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(meta.size, 5);
        assert!(
            dir.path()
                .join("blobs/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
                .is_file()
        );
        let (read_meta, bytes) = blobs.read(&meta.hash).await.unwrap().unwrap();
        assert_eq!(read_meta, meta);
        assert_eq!(bytes, b"hello");
        assert_eq!(tmp_entries(dir.path()), 0);
    }

    #[tokio::test]
    async fn storing_the_same_bytes_twice_keeps_one_file_and_the_first_record() {
        let (dir, blobs) = store(1024).await;
        let first = blobs.put_bytes(b"same", png(), Timestamp(1)).await.unwrap();
        let second = blobs
            .put_bytes(
                b"same",
                ContentType::parse("text/plain").unwrap(),
                Timestamp(2),
            )
            .await
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(tmp_entries(dir.path()), 0);
    }

    #[tokio::test]
    async fn a_blob_over_the_limit_is_refused_and_leaves_nothing_behind() {
        let (dir, blobs) = store(4).await;
        let err = blobs
            .put_bytes(b"12345", png(), Timestamp(0))
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 4 }), "{err}");
        assert_eq!(tmp_entries(dir.path()), 0);
        let stored: Vec<_> = std::fs::read_dir(dir.path().join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(stored, vec![std::ffi::OsString::from("tmp")]);
        // Exactly at the limit is fine.
        assert_eq!(
            blobs
                .put_bytes(b"1234", png(), Timestamp(0))
                .await
                .unwrap()
                .size,
            4
        );
    }

    #[tokio::test]
    async fn a_failing_reader_leaves_no_partial_blob() {
        struct Broken(bool);
        impl AsyncRead for Broken {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                if self.0 {
                    return std::task::Poll::Ready(Err(std::io::Error::other("connection reset")));
                }
                self.0 = true;
                buf.put_slice(b"partial");
                std::task::Poll::Ready(Ok(()))
            }
        }
        let (dir, blobs) = store(1024).await;
        assert!(matches!(
            blobs.put(Broken(false), png(), Timestamp(0)).await,
            Err(BlobError::Io { .. })
        ));
        assert_eq!(tmp_entries(dir.path()), 0);
    }

    #[tokio::test]
    async fn an_unknown_or_unrecorded_blob_is_absent() {
        let (dir, blobs) = store(1024).await;
        let hash = ContentHash::parse(&"ab".repeat(32)).unwrap();
        assert!(blobs.open(&hash).await.unwrap().is_none());
        // A file without a record (a crash between rename and insert) stays invisible.
        let path = blobs.path_of(&hash);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"orphan").unwrap();
        assert!(blobs.open(&hash).await.unwrap().is_none());
        drop(dir);
    }
}
