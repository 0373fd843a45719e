//! The OpenAPI description is generated from the code, served at
//! `GET /api/openapi.json`, and lists exactly the routes and methods the
//! router answers.

use std::collections::BTreeSet;

use folio_tests::TestServer;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn concrete(path: &str) -> String {
    path.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/")
}

async fn document(server: &TestServer) -> serde_json::Value {
    let r = reqwest::get(server.url("/api/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    r.json().await.expect("the description is JSON")
}

#[tokio::test]
async fn the_description_is_openapi_json_with_the_stable_error_schema() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert_eq!(doc["info"]["title"], "Folio API");
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    let detail = &doc["components"]["schemas"]["ErrorDetail"]["properties"];
    for key in ["code", "message", "field"] {
        assert!(detail.get(key).is_some(), "error detail has `{key}`: {detail}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every referenced schema exists.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(doc["components"]["schemas"].get(name).is_some(), "schema `{name}` is referenced but missing");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_description_lists_every_route_of_the_router_and_no_other() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let routed: BTreeSet<String> = folio_server::routes::api_paths().into_iter().collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty() && extra.is_empty(), "routed but undocumented: {missing:?}\ndocumented but not routed: {extra:?}");
    server.stop().await;
}

#[tokio::test]
async fn every_documented_method_is_answered_and_every_other_method_is_refused() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let client = reqwest::Client::new();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let documented = item.get(method).is_some();
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = client.request(m, server.url(&concrete(path))).send().await.unwrap().status();
            let routed = status != 405;
            if documented != routed {
                wrong.push(format!("{} {path}: documented {documented}, answered {status}", method.to_uppercase()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    server.stop().await;
}
