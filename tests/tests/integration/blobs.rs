//! The blob store on a running server's data directory.

use std::sync::Arc;

use folio_server::blobs::{BlobError, BlobStore};
use folio_server::clock::Clock;
use folio_server::storage::{ContentType, Storage};
use folio_tests::TestServer;

#[tokio::test]
async fn the_servers_blob_store_writes_under_the_data_dir_and_honours_the_upload_limit() {
    let server = TestServer::start_with(|c| c.limits.max_upload_bytes = 8).await;
    let blobs = server.state.blobs();
    assert_eq!(blobs.max_bytes(), 8);
    let now = server.clock.now();
    let meta = blobs
        .put_bytes(
            b"12345678",
            ContentType::parse("application/pdf").unwrap(),
            now,
        )
        .await
        .unwrap();
    let hex = meta.hash.as_str();
    assert!(
        server
            .dir
            .path()
            .join("blobs")
            .join(&hex[..2])
            .join(&hex[2..])
            .is_file()
    );
    assert!(matches!(
        blobs
            .put_bytes(b"123456789", ContentType::octet_stream(), now)
            .await,
        Err(BlobError::TooLarge { limit: 8 })
    ));

    // Metadata is in the same database the server uses: a second store over it sees the blob.
    let storage: Arc<dyn Storage> = server.state.storage_arc();
    let again = BlobStore::new(server.dir.path(), 8, storage);
    let (read_meta, bytes) = again.read(&meta.hash).await.unwrap().unwrap();
    assert_eq!(read_meta.content_type.as_str(), "application/pdf");
    assert_eq!(bytes, b"12345678");
    server.stop().await;
}
