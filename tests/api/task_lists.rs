//! 三单 through the HTTP API: a village's list drafted, published (晒单), followed up (跟单)
//! and cleared (清单) by its township; who keeps and who sees which lists; what each step
//! refuses; completion and overdue items.
use crate::helpers::{TestApp, spawn_demo_app};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: MonthlyTaskListCreateInput!) { monthlyTaskListCreate(input: $i) { list { id version status items { id } } userErrors { code field message } } }";
const PUBLISH: &str = "mutation($i: MonthlyTaskListPublishInput!) { monthlyTaskListPublish(input: $i) { list { version status publishedOn published } userErrors { code field message } } }";
const UPDATE: &str = "mutation($i: MonthlyTaskListUpdateInput!) { monthlyTaskListUpdate(input: $i) { list { version } userErrors { code field message } } }";
const FOLLOW_UP: &str = "mutation($i: MonthlyTaskListFollowUpInput!) { monthlyTaskListFollowUp(input: $i) { list { version items { followUpNote onTrack followedUpOn } } userErrors { code field message } } }";
const CLEAR: &str = "mutation($i: MonthlyTaskListClearInput!) { monthlyTaskListClear(input: $i) { list { version status clearedOn done partlyDone notDone completionRate items { outcome outcomeReason overdue } } userErrors { code field message } } }";

fn items() -> Value {
    json!([
        {"content": "硬化大河村组道2公里", "plannedResult": "完成路基"},
        {"content": "整改饮水问题", "plannedResult": "通水"},
    ])
}

#[derive(Debug)]
struct List {
    id: String,
    version: i64,
    items: Vec<String>,
}

async fn create(app: &TestApp, token: &str, input: Value) -> Result<List, Value> {
    let reply = app.gql(Some(token), CREATE, json!({ "i": input })).await;
    let payload = &reply.ok()["monthlyTaskListCreate"];
    if payload["userErrors"] != json!([]) {
        return Err(payload["userErrors"][0].clone());
    }
    Ok(List {
        id: payload["list"]["id"].as_str().unwrap().into(),
        version: payload["list"]["version"].as_i64().unwrap(),
        items: payload["list"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect(),
    })
}

fn village_list(month: &str) -> Value {
    json!({"countyCode": "990101000000", "month": month, "unitKind": "VILLAGE", "regionCode": "990101001001", "items": items()})
}

#[tokio::test]
async fn a_township_publishes_follows_up_and_clears_its_villages_list() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let mut list = create(&app, &township, village_list("2026-10")).await.unwrap();
    // Publishing locks the items.
    let reply = app
        .gql(
            Some(&township),
            PUBLISH,
            json!({"i": {"list": list.id, "expectedVersion": list.version, "date": "2026-10-02"}}),
        )
        .await;
    let payload = &reply.ok()["monthlyTaskListPublish"];
    assert_eq!(
        payload["list"],
        json!({"version": 2, "status": "PUBLISHED", "publishedOn": "2026-10-02", "published": true})
    );
    list.version = 2;
    let reply = app
        .gql(
            Some(&township),
            UPDATE,
            json!({"i": {"list": list.id, "expectedVersion": 2, "items": items()}}),
        )
        .await;
    assert_eq!(
        reply.ok()["monthlyTaskListUpdate"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
    // 跟单 of the first item, not before the publication.
    let follow = |date: &str| json!({"i": {"list": list.id, "expectedVersion": list.version, "date": date, "items": [{"item": list.items[0], "note": "路基完成一半", "onTrack": true}]}});
    let reply = app.gql(Some(&township), FOLLOW_UP, follow("2026-10-01")).await;
    assert_eq!(
        reply.ok()["monthlyTaskListFollowUp"]["userErrors"][0]["field"],
        json!(["input", "date"])
    );
    let reply = app.gql(Some(&township), FOLLOW_UP, follow("2026-10-15")).await;
    let payload = &reply.ok()["monthlyTaskListFollowUp"];
    assert_eq!(
        payload["list"]["items"][0],
        json!({"followUpNote": "路基完成一半", "onTrack": true, "followedUpOn": "2026-10-15"})
    );
    list.version = payload["list"]["version"].as_i64().unwrap();
    // Before clearing, the month having ended, both items are overdue.
    let reply = app
        .gql(
            Some(&township),
            "query($id: ID!) { node(id: $id) { ... on MonthlyTaskList { completionRate items { overdue } } } }",
            json!({"id": list.id}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"],
        json!({"completionRate": null, "items": [{"overdue": true}, {"overdue": true}]})
    );
    // 清单: every item, a reason for what was not done in full.
    let clear = |second: Value| json!({"i": {"list": list.id, "expectedVersion": list.version, "date": "2026-11-01", "items": [{"item": list.items[0], "outcome": "DONE"}, second]}});
    let reply = app
        .gql(
            Some(&township),
            CLEAR,
            clear(json!({"item": list.items[1], "outcome": "PARTLY"})),
        )
        .await;
    assert_eq!(
        reply.ok()["monthlyTaskListClear"]["userErrors"][0]["field"],
        json!(["input", "items", "1", "reason"])
    );
    let reply = app
        .gql(
            Some(&township),
            CLEAR,
            clear(json!({"item": list.items[0], "outcome": "DONE"})),
        )
        .await;
    assert_eq!(
        reply.ok()["monthlyTaskListClear"]["userErrors"][0]["field"],
        json!(["input", "items", "1", "item"])
    );
    let reply = app
        .gql(
            Some(&township),
            CLEAR,
            clear(json!({"item": list.items[1], "outcome": "PARTLY", "reason": "管网材料未到"})),
        )
        .await;
    let payload = &reply.ok()["monthlyTaskListClear"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["list"],
        json!({
            "version": list.version + 1, "status": "CLEARED", "clearedOn": "2026-11-01",
            "done": 1, "partlyDone": 1, "notDone": 0, "completionRate": "50.00",
            "items": [
                {"outcome": "DONE", "outcomeReason": null, "overdue": false},
                {"outcome": "PARTLY", "outcomeReason": "管网材料未到", "overdue": false},
            ]
        })
    );
    // A second list for the same village and month is refused.
    let err = create(&app, &township, village_list("2026-10")).await.unwrap_err();
    assert_eq!(err["code"], json!("ALREADY_EXISTS"));
    // A cleared list is closed.
    let reply = app
        .gql(
            Some(&township),
            PUBLISH,
            json!({"i": {"list": list.id, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        reply.ok()["monthlyTaskListPublish"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
}

#[tokio::test]
async fn each_unit_keeps_and_sees_its_own_lists() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let transport = app.demo_login("transport").await;
    let water = app.demo_login("water").await;
    let coordinator = app.demo_login("coordinator").await;
    let inspector = app.demo_login("inspector").await;
    let transport_id = crate::helpers::department_id(&app, "示范县交通运输局").await;
    let department_list = json!({"countyCode": "990101000000", "month": "2026-11", "unitKind": "DEPARTMENT", "department": transport_id, "items": items()});
    let leader_list = json!({"countyCode": "990101000000", "month": "2026-11", "unitKind": "LEADER", "leaderName": "王县长", "items": items()});
    // Only the unit's keeper drafts its list.
    for (token, input) in [
        (&water, &department_list),
        (&township, &department_list),
        (&coordinator, &department_list),
        (&inspector, &department_list),
        (&transport, &leader_list),
        (&transport, &village_list("2026-11")),
    ] {
        let err = create(&app, token, input.clone()).await.unwrap_err();
        assert_eq!(err["code"], json!("FORBIDDEN"), "{input}");
    }
    create(&app, &transport, department_list.clone()).await.unwrap();
    create(&app, &coordinator, leader_list.clone()).await.unwrap();
    create(&app, &township, village_list("2026-11")).await.unwrap();
    // Bad units and months name their field.
    for (input, field) in [
        (
            json!({"countyCode": "990101000000", "month": "2026-13", "unitKind": "LEADER", "leaderName": "王县长"}),
            "month",
        ),
        (
            json!({"countyCode": "990101000000", "month": "2026-11", "unitKind": "LEADER"}),
            "leaderName",
        ),
        (
            json!({"countyCode": "990101000000", "month": "2026-11", "unitKind": "VILLAGE", "regionCode": "990101001000"}),
            "regionCode",
        ),
        (
            json!({"countyCode": "990101000000", "month": "2026-11", "unitKind": "DEPARTMENT"}),
            "department",
        ),
    ] {
        let token = if input["unitKind"] == json!("VILLAGE") {
            &township
        } else if input["unitKind"] == json!("DEPARTMENT") {
            &transport
        } else {
            &coordinator
        };
        let err = create(&app, token, input.clone()).await.unwrap_err();
        assert_eq!(err["field"], json!(["input", field]), "{input}");
    }
    let mut input = village_list("2026-12");
    input["items"] = json!([{"content": " ", "plannedResult": "x"}]);
    let err = create(&app, &township, input).await.unwrap_err();
    assert_eq!(err["field"], json!(["input", "items", "0", "content"]));

    let kinds = |token: String| {
        let app = &app;
        async move {
            let reply = app
                .gql(
                    Some(&token),
                    "{ monthlyTaskLists(filter: {month: \"2026-11\"}) { totalCount nodes { unitKind } } }",
                    json!({}),
                )
                .await;
            let mut kinds: Vec<String> = reply.ok()["monthlyTaskLists"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["unitKind"].as_str().unwrap().to_string())
                .collect();
            kinds.sort();
            kinds
        }
    };
    assert_eq!(kinds(transport.clone()).await, ["DEPARTMENT"]);
    assert!(kinds(water.clone()).await.is_empty());
    assert_eq!(kinds(township.clone()).await, ["VILLAGE"]);
    assert_eq!(kinds(inspector.clone()).await, ["DEPARTMENT", "LEADER", "VILLAGE"]);
    let other = crate::helpers::township_clerk(&app, "990101002").await;
    let other = app.login(&other.username, "long-enough").await;
    assert!(kinds(other).await.is_empty());
}
