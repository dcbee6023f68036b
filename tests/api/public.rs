//! The public portal: every page answers without a token and shows what was disclosed
//! and nothing else; drafts and withdrawn notices stay off it; the figures are the API's;
//! answers carry ETags and each client is rate-limited.
use crate::helpers::{TestApp, project_at, project_id, serve_args, spawn_app_with, spawn_demo_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

/// The `/public…` links of a page.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/public"))
        .map(str::to_string)
        .collect()
}

/// HTML as text: the entities the templates escape, turned back.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every string inside a JSON document (keys left out: they are field names).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The values that must never reach the public: users, passwords, who objected and what
/// they said, drafts, withdrawn notices, undisclosed projects, unpublished lists, the
/// supervision ledger.
async fn private_values(app: &TestApp) -> Vec<(String, String)> {
    let db = &app.db;
    let mut out: Vec<(String, String)> = Vec::new();
    for u in entity::app_user::Entity::find().all(db).await.unwrap() {
        out.push(("username".into(), u.username.clone()));
        out.push(("password hash".into(), u.password_hash.clone()));
        out.push(("display name".into(), u.display_name.clone()));
    }
    for o in entity::disclosure_objection::Entity::find().all(db).await.unwrap() {
        out.push(("objector".into(), o.objector));
        out.push(("objection".into(), o.content));
        if let Some(c) = o.contact {
            out.push(("contact".into(), c));
        }
    }
    let today = tracker::domain::calendar::today();
    let notices = entity::disclosure::Entity::find().all(db).await.unwrap();
    for n in &notices {
        let up = n.posted_on.is_some_and(|p| p <= today) && n.withdrawn_on.is_none_or(|w| w > today);
        if !up {
            out.push((format!("notice {} not up", n.id), n.body.clone()));
        }
        if let Some(reason) = &n.withdrawn_reason {
            out.push(("withdrawal reason".into(), reason.clone()));
        }
    }
    let disclosed: BTreeSet<i64> = notices
        .iter()
        .filter(|n| n.posted_on.is_some_and(|p| p <= today) && n.withdrawn_on.is_none_or(|w| w > today))
        .filter_map(|n| n.project_id)
        .collect();
    for p in entity::project::Entity::find().all(db).await.unwrap() {
        if !disclosed.contains(&p.id) {
            out.push((format!("undisclosed project {}", p.id), p.code));
        }
    }
    let unpublished: Vec<i64> = entity::task_list::Entity::find()
        .filter(entity::task_list::Column::PublishedOn.is_null())
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    for item in entity::task_list_item::Entity::find()
        .filter(entity::task_list_item::Column::ListId.is_in(unpublished))
        .all(db)
        .await
        .unwrap()
    {
        out.push(("unpublished list item".into(), item.content));
    }
    for issue in entity::rectification_issue::Entity::find().all(db).await.unwrap() {
        out.push(("rectification problem".into(), issue.description));
    }
    out.retain(|(_, v)| v.chars().count() >= 4);
    out
}

#[tokio::test]
async fn every_public_page_answers_without_a_token_and_shows_only_what_was_disclosed() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let private = private_values(&app).await;
    assert!(
        private.iter().any(|(what, _)| what == "objector"),
        "the demo has an objection"
    );
    assert!(
        private.iter().any(|(what, _)| what.ends_with("not up")),
        "the demo has a draft"
    );

    let mut queue: VecDeque<String> = VecDeque::from(["/public".to_string()]);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.text().await.unwrap();
        let texts: Vec<String> = if path.ends_with(".json") {
            assert!(content_type.starts_with("application/json"), "{path}: {content_type}");
            let mut out = Vec::new();
            strings(&serde_json::from_str(&body).unwrap(), &mut out);
            out
        } else if path.ends_with(".csv") {
            assert!(content_type.starts_with("text/csv"), "{path}: {content_type}");
            vec![body.clone()]
        } else {
            assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
            assert!(body.contains("<h1") && body.contains("12317"), "{path}");
            assert!(!body.contains("<script"), "{path}: no script on a public page");
            let text = unescape(&body);
            for link in links(&text) {
                if !seen.contains(&link) {
                    queue.push_back(link);
                }
            }
            vec![text]
        };
        for kind in ["regions", "projects", "notices", "task-lists"] {
            if path.starts_with(&format!("/public/{kind}/")) {
                kinds.insert(kind);
            }
        }
        for (what, value) in &private {
            for text in &texts {
                assert!(
                    !text.contains(value.as_str()),
                    "{path} shows a private value ({what}): {value}"
                );
            }
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(seen.len() > 150, "crawled {} pages", seen.len());

    // What is not public answers 404: a draft, a withdrawn notice, an undisclosed project.
    let db = &app.db;
    let today = tracker::domain::calendar::today();
    let notices = entity::disclosure::Entity::find().all(db).await.unwrap();
    let draft = notices.iter().find(|n| n.posted_on.is_none()).unwrap();
    let withdrawn = notices
        .iter()
        .find(|n| n.withdrawn_on.is_some_and(|w| w <= today))
        .unwrap();
    for n in [draft, withdrawn] {
        assert_eq!(app.get(&format!("/public/notices/{}", n.id)).await.status(), 404);
        assert_eq!(app.get(&format!("/public/notices/{}.json", n.id)).await.status(), 404);
    }
    let disclosed: BTreeSet<i64> = notices
        .iter()
        .filter(|n| n.posted_on.is_some())
        .filter_map(|n| n.project_id)
        .collect();
    let hidden = entity::project::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| !disclosed.contains(&p.id))
        .unwrap();
    assert_eq!(app.get(&format!("/public/projects/{}", hidden.id)).await.status(), 404);
    assert_eq!(app.get("/public/regions/12345").await.status(), 404);
    assert_eq!(app.get("/public/notices/abc").await.status(), 404);

    // The county's figures are the API's (one definition): money by fund kind, projects by sector.
    let county: Value = app.get("/public/regions/990101000000.json").await.json().await.unwrap();
    let year = county["year"].as_i64().unwrap();
    let token = app.demo_login("inspector").await;
    let api = app
        .gql(
            Some(&token),
            "query($y: Int!) { fundUtilization(year: $y, regionCode: \"990101000000\", groupBy: [FUND_KIND]) { fundKind planned inPlace allocated disbursed } constructionProgress(year: $y, regionCode: \"990101000000\") { sector projectCount startedCount completedCount } }",
            json!({"y": year}),
        )
        .await;
    let dec = |v: &Value| v.as_str().map(|s| s.parse::<rust_decimal::Decimal>().unwrap());
    let api_money: Vec<_> = api.ok()["fundUtilization"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["fundKind"].clone(),
                dec(&r["planned"]),
                dec(&r["inPlace"]),
                dec(&r["allocated"]),
                dec(&r["disbursed"]),
            )
        })
        .collect();
    let page_money: Vec<_> = county["funds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].clone(),
                dec(&r["planned"]),
                dec(&r["in_place"]),
                dec(&r["allocated"]),
                dec(&r["disbursed"]),
            )
        })
        .collect();
    assert!(!page_money.is_empty());
    assert_eq!(page_money, api_money);
    let api_sectors: Vec<_> = api.ok()["constructionProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sector"].clone(),
                r["projectCount"].clone(),
                r["startedCount"].clone(),
                r["completedCount"].clone(),
            )
        })
        .collect();
    let page_sectors: Vec<_> = county["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sector"].clone(),
                r["projects"].clone(),
                r["started"].clone(),
                r["completed"].clone(),
            )
        })
        .collect();
    assert_eq!(page_sectors, api_sectors);
}

#[tokio::test]
async fn a_notice_is_public_from_its_posting_until_it_is_withdrawn() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let project = project_at(&app, ProjectStatus::Claimed, Sector::Road, &["990101001001"], 10).await;
    let today = tracker::domain::calendar::today();
    let create = "mutation($i: DisclosureCreateInput!) { disclosureCreate(input: $i) { disclosure { id number version publicPath } userErrors { message } } }";
    let reply = app
        .gql(
            Some(&township),
            create,
            json!({"i": {"subject": "CONSTRUCTION_START", "project": project_id(&project), "level": "VILLAGE", "regionCode": "990101001001",
                   "place": "大河村村务公开栏", "startDate": today.to_string(), "endDate": (today + chrono::Duration::days(9)).to_string(),
                   "body": "开工公示正文：标记甲乙丙"}}),
        )
        .await;
    let d = reply.ok()["disclosureCreate"]["disclosure"].clone();
    let path = d["publicPath"].as_str().unwrap().to_string();
    assert_eq!(path, format!("/public/notices/{}", d["number"]));
    assert_eq!(app.get(&path).await.status(), 404, "a draft is not public");
    let village = app.get("/public/regions/990101001001").await.text().await.unwrap();
    assert!(!village.contains("标记甲乙丙"));

    let post = "mutation($i: DisclosurePostInput!) { disclosurePost(input: $i) { disclosure { version } userErrors { message } } }";
    let posted = app
        .gql(
            Some(&township),
            post,
            json!({"i": {"disclosure": d["id"], "expectedVersion": d["version"]}}),
        )
        .await;
    assert_eq!(posted.ok()["disclosurePost"]["userErrors"], json!([]));
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    let html = unescape(&page.text().await.unwrap());
    assert!(
        html.contains("开工公示正文：标记甲乙丙") && html.contains("<svg"),
        "the sheet with its QR code"
    );
    assert!(html.contains(&format!("http://{}{path}", app.address.trim_start_matches("http://"))));
    // The village page lists the running notice; the project page shows it in full.
    let village = app.get("/public/regions/990101001001").await.text().await.unwrap();
    assert!(
        village.contains(&format!("/public/notices/{}", d["number"])),
        "{village}"
    );
    let project_page = app
        .get(&format!("/public/projects/{}", project.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(project_page.contains("标记甲乙丙"));

    let withdraw =
        "mutation($i: DisclosureWithdrawInput!) { disclosureWithdraw(input: $i) { userErrors { message } } }";
    let version = posted.ok()["disclosurePost"]["disclosure"]["version"].clone();
    let reply = app
        .gql(
            Some(&township),
            withdraw,
            json!({"i": {"disclosure": d["id"], "expectedVersion": version, "reason": "内容有误"}}),
        )
        .await;
    assert_eq!(reply.ok()["disclosureWithdraw"]["userErrors"], json!([]));
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "a withdrawn notice leaves the portal"
    );
    let project_page = app
        .get(&format!("/public/projects/{}", project.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(!project_page.contains("标记甲乙丙"));
}

#[tokio::test]
async fn answers_carry_an_etag_and_each_client_is_rate_limited() {
    let mut args = serve_args();
    args.public_requests_per_minute = 3;
    let app = spawn_app_with(args).await;
    tracker::seed::demo::seed_directory(&app.db).await.unwrap();
    let first = app.get("/public/regions/990101000000").await;
    assert_eq!(first.status(), 200);
    let tag = first.headers()[reqwest::header::ETAG].to_str().unwrap().to_string();
    assert!(
        first.headers()[reqwest::header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let again = app
        .client
        .get(format!("{}/public/regions/990101000000", app.address))
        .header(reqwest::header::IF_NONE_MATCH, &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let json = app.get("/public/regions/990101000000.json").await;
    assert_eq!(json.status(), 200);
    let refused = app.get("/public/regions/990101000000").await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The signed-in API is not counted against the portal's allowance.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
