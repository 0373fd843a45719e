//! Progressive lock-out of sign-in attempts, driven by the manual clock.

use std::time::Duration;

use folio_tests::{TestServer, error_code};
use reqwest::StatusCode;

const PW: &str = "correct horse battery";

async fn attempt(server: &TestServer, email: &str, pw: &str) -> reqwest::Response {
    server
        .client()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": email, "password": pw}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    for _ in 0..5 {
        assert_eq!(
            attempt(&server, "ada@uni.nl", "wrong password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt(&server, "ada@uni.nl", PW).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers().get("retry-after").unwrap(), "30");
    assert_eq!(error_code(locked).await, "too_many_attempts");

    server.clock.advance(Duration::from_secs(29));
    assert_eq!(
        attempt(&server, "ada@uni.nl", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    server.clock.advance(Duration::from_secs(1));
    assert_eq!(
        attempt(&server, "ada@uni.nl", PW).await.status(),
        StatusCode::OK
    );
    server.stop().await;
}

#[tokio::test]
async fn each_further_failure_doubles_the_lock() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    for _ in 0..5 {
        attempt(&server, "ada@uni.nl", "wrong password").await;
    }
    server.clock.advance(Duration::from_secs(30));
    assert_eq!(
        attempt(&server, "ada@uni.nl", "wrong again!!")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let locked = attempt(&server, "ada@uni.nl", PW).await;
    assert_eq!(locked.headers().get("retry-after").unwrap(), "60");
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_address_locks_exactly_like_a_real_one() {
    let server = TestServer::start().await;
    for _ in 0..5 {
        assert_eq!(
            attempt(&server, "ghost@uni.nl", "guess guess")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&server, "ghost@uni.nl", "guess guess")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    server.stop().await;
}

#[tokio::test]
async fn one_ip_guessing_across_many_accounts_is_locked_for_all_of_them() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    for i in 0..20 {
        let response = attempt(&server, &format!("user{i}@uni.nl"), "guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let locked = attempt(&server, "ada@uni.nl", PW).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers().get("retry-after").unwrap(), "60");
    server.clock.advance(Duration::from_secs(60));
    assert_eq!(
        attempt(&server, "ada@uni.nl", PW).await.status(),
        StatusCode::OK
    );
    server.stop().await;
}
