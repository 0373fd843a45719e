//! The TOTP second factor: enrolment with an otpauth URI and its QR code
//! (read back with a QR decoder), confirmation with
//! recovery codes shown once, sign-in asking for the second factor, each time
//! step accepted once, progressive lock-out of wrong codes, disabling.

use crate::support;

use std::time::Duration;

use folio_server::accounts::totp::code_at;
use folio_tests::{TestServer, error_code};
use serde_json::json;
use support::post;

struct Enrolled {
    secret: String,
    recovery: Vec<String>,
}

async fn enrol(server: &TestServer, client: &reqwest::Client, csrf: &str) -> Enrolled {
    let r = post(server, client, csrf, "/api/account/totp", json!({})).await;
    assert_eq!(r.status(), 201);
    let e: serde_json::Value = r.json().await.unwrap();
    let secret = e["secret"].as_str().unwrap().to_owned();
    let uri = e["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Folio:") && uri.contains(&format!("secret={secret}")) && uri.contains("issuer=Folio"), "{uri}");
    assert_eq!(read_qr(e["qr_svg"].as_str().unwrap()), uri, "the QR code holds exactly the URI");
    let status: serde_json::Value = client.get(server.url("/api/account/totp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"enabled": false, "pending": true, "recovery_codes_left": 0}));
    let code = code_at(&secret, server.clock.now()).unwrap();
    let r = post(server, client, csrf, "/api/account/totp/confirm", json!({"code": code})).await;
    assert_eq!(r.status(), 200);
    let status: serde_json::Value = client.get(server.url("/api/account/totp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"enabled": true, "pending": false, "recovery_codes_left": 10}));
    let codes: serde_json::Value = r.json().await.unwrap();
    let recovery: Vec<String> = codes["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(recovery.len(), 10);
    Enrolled { secret, recovery }
}

/// Rasterises the SVG the server draws (one white rect, then one path of
/// `M{x} {y}h{w}v{h}H{x}V{y}` dark rectangles) and decodes it with rqrr.
fn read_qr(svg: &str) -> String {
    assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.ends_with("</svg>"), "a standalone SVG document");
    let attr = |name: &str| -> usize {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    assert!(w >= 240 && w == h, "square and large enough to scan: {w}x{h}");
    let d_start = svg.find(" d=\"").unwrap() + 4;
    let d = svg[d_start..].split('"').next().unwrap();
    let mut dark = vec![false; w * h];
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = rect.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).map(|n| n.parse().unwrap()).collect();
        let (x, y, rw, rh) = (nums[0], nums[1], nums[2], nums[3]);
        for yy in y..y + rh {
            for xx in x..x + rw {
                dark[yy * w + xx] = true;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if dark[y * w + x] { 0 } else { 255 });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("the QR code decodes").1
}

async fn password(server: &TestServer, client: &reqwest::Client) -> serde_json::Value {
    let r = client.post(server.url("/api/session")).json(&json!({"email": "ada@uni.nl", "password": "pw-ada-12345"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

use folio_server::clock::Clock;

#[tokio::test]
async fn an_enrolled_account_signs_in_with_password_then_code_and_each_step_works_once() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@uni.nl", "pw-ada-12345").await;
    let c = server.client();
    let csrf = server.login(&c, "ada@uni.nl", "pw-ada-12345").await;
    let e = enrol(&server, &c, &csrf).await;
    // Only hashes of the recovery codes are stored; the secret never appears in debug output.
    assert_eq!(server.state.storage().recovery_codes_left(ada.id).await.unwrap(), 10);

    let b = server.client();
    let first = password(&server, &b).await;
    assert_eq!(first["second_factor"], "totp");
    assert!(first.get("csrf_token").is_none(), "no session yet");
    assert_eq!(b.get(server.url("/api/me")).send().await.unwrap().status(), 401);
    let pending = first["pending"].as_str().unwrap().to_owned();

    // The code used to confirm enrolment belongs to this step: it is spent.
    let now_code = code_at(&e.secret, server.clock.now()).unwrap();
    let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": now_code})).send().await.unwrap();
    assert_eq!((r.status().as_u16(), error_code(r).await), (401, "invalid_code".to_owned()));

    server.advance(Duration::from_secs(30));
    let next = code_at(&e.secret, server.clock.now()).unwrap();
    let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": next})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["email"], "ada@uni.nl");
    assert_eq!(b.get(server.url("/api/me")).send().await.unwrap().status(), 200);

    // The same code again, in a new sign-in within the same step: refused.
    let again = password(&server, &server.client()).await["pending"].as_str().unwrap().to_owned();
    let r = server.client().post(server.url("/api/session/totp")).json(&json!({"pending": again, "code": next})).send().await.unwrap();
    assert_eq!(error_code(r).await, "invalid_code");
    // The pending token works once: it is gone after success.
    let r = server.client().post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": next})).send().await.unwrap();
    assert_eq!(error_code(r).await, "login_expired");
    server.stop().await;
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_a_pending_login_expires() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@uni.nl", "pw-ada-12345").await;
    let c = server.client();
    let csrf = server.login(&c, "ada@uni.nl", "pw-ada-12345").await;
    let e = enrol(&server, &c, &csrf).await;
    let b = server.client();
    let pending = password(&server, &b).await["pending"].as_str().unwrap().to_owned();
    let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "recovery_code": e.recovery[0].to_uppercase()})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.state.storage().recovery_codes_left(ada.id).await.unwrap(), 9);
    let pending = password(&server, &server.client()).await["pending"].as_str().unwrap().to_owned();
    let r = server.client().post(server.url("/api/session/totp")).json(&json!({"pending": pending, "recovery_code": e.recovery[0]})).send().await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["error"]["code"].as_str(), body["error"]["field"].as_str()), (Some("invalid_code"), Some("recovery_code")));

    server.advance(Duration::from_secs(5 * 60));
    let code = code_at(&e.secret, server.clock.now()).unwrap();
    let r = server.client().post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": code})).send().await.unwrap();
    assert_eq!(error_code(r).await, "login_expired");
    let r = server.client().post(server.url("/api/session/totp")).json(&json!({"pending": pending})).send().await.unwrap();
    assert_eq!(r.status(), 401, "expired before the input is even looked at");
    server.stop().await;
}

#[tokio::test]
async fn wrong_codes_lock_the_second_factor_progressively() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", "pw-ada-12345").await;
    let c = server.client();
    let csrf = server.login(&c, "ada@uni.nl", "pw-ada-12345").await;
    let e = enrol(&server, &c, &csrf).await;
    server.advance(Duration::from_secs(30));
    let b = server.client();
    for _ in 0..5 {
        let pending = password(&server, &b).await["pending"].as_str().unwrap().to_owned();
        let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": "000000"})).send().await.unwrap();
        let code = error_code(r).await;
        assert!(code == "invalid_code", "{code}");
    }
    let pending = password(&server, &b).await["pending"].as_str().unwrap().to_owned();
    let good = code_at(&e.secret, server.clock.now()).unwrap();
    let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": good})).send().await.unwrap();
    assert_eq!(r.status(), 429, "locked even with the right code");
    assert!(r.headers().contains_key("retry-after"));
    server.advance(Duration::from_secs(30));
    let good = code_at(&e.secret, server.clock.now()).unwrap();
    let r = b.post(server.url("/api/session/totp")).json(&json!({"pending": pending, "code": good})).send().await.unwrap();
    assert_eq!(r.status(), 200, "the lock ends after 30 s");
    server.stop().await;
}

#[tokio::test]
async fn disabling_needs_a_code_and_bad_input_is_a_clear_error() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@uni.nl", "pw-ada-12345").await;
    let c = server.client();
    let csrf = server.login(&c, "ada@uni.nl", "pw-ada-12345").await;
    let r = post(&server, &c, &csrf, "/api/account/totp/confirm", json!({"code": "123456"})).await;
    assert_eq!(error_code(r).await, "totp_not_pending");
    let r = post(&server, &c, &csrf, "/api/account/totp", json!({})).await;
    assert_eq!(r.status(), 201);
    let r = post(&server, &c, &csrf, "/api/account/totp/confirm", json!({"code": "12"})).await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "code");
    assert!(server.state.storage().totp(ada.id).await.unwrap().unwrap().enabled_at.is_none(), "still pending");

    let e = enrol(&server, &c, &csrf).await;
    let r = post(&server, &c, &csrf, "/api/account/totp", json!({})).await;
    assert_eq!(error_code(r).await, "totp_enabled");
    let del = |body: serde_json::Value| c.delete(server.url("/api/account/totp")).header("x-csrf-token", &csrf).json(&body).send();
    let r = del(json!({})).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "code");
    let r = del(json!({"code": "000000"})).await.unwrap();
    assert_eq!(r.status(), 400);
    server.advance(Duration::from_secs(30));
    let r = del(json!({"code": code_at(&e.secret, server.clock.now()).unwrap()})).await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(server.state.storage().totp(ada.id).await.unwrap().is_none());
    let signed: serde_json::Value = password(&server, &server.client()).await;
    assert!(signed.get("csrf_token").is_some(), "password alone signs in again");
    server.stop().await;
}
