//! Subscriptions over WebSocket (graphql-transport-ws): changes committed through one
//! server reach the subscribers of another on the same database, only within what each may
//! see, and a client that reconnects with a cursor receives what it missed.
use crate::helpers::{TestApp, project_at, project_id, spawn_demo_app};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A signed-in connection running one subscription.
struct Subscription {
    socket: Socket,
}

impl Subscription {
    /// Opens a connection to `app`, signs in with `token` and subscribes.
    async fn open(app: &TestApp, token: &str, query: &str, variables: Value) -> Subscription {
        let mut socket = connect(app).await;
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
        )
        .await;
        assert_eq!(receive(&mut socket).await.expect("ack")["type"], "connection_ack");
        send(
            &mut socket,
            json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}),
        )
        .await;
        // Subscribed once the server has read the message; give it that moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Subscription { socket }
    }

    /// The next message of the subscription (`next` or `error`), or `None` within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, receive(&mut self.socket))
            .await
            .ok()
            .flatten()
    }

    /// The data of the next change.
    async fn change(&mut self) -> Value {
        let message = self.next(Duration::from_secs(10)).await.expect("a change within 10 s");
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        message["payload"]["data"].clone()
    }
}

/// A WebSocket to `app`'s `/graphql` speaking graphql-transport-ws, not yet signed in.
async fn connect(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("connect");
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.expect("send");
}

/// The next text message, skipping pings.
async fn receive(socket: &mut Socket) -> Option<Value> {
    while let Some(message) = socket.next().await {
        match message.ok()? {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
    None
}

/// The cursor of the latest change: subscribing after it misses nothing committed while
/// the subscription is being set up.
async fn now(app: &TestApp) -> String {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::change_event::Entity::find()
        .order_by_desc(entity::change_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .map_or(0, |e| e.id)
        .to_string()
}

/// A progress report through `app`; the project's new version.
async fn report(app: &TestApp, token: &str, project: &entity::project::Model) {
    let reply = app
        .gql(
            Some(token),
            "mutation($p: ID!, $v: Int!, $d: Date!) { progressReportCreate(input: {project: $p, expectedVersion: $v, completedQuantity: \"0.5\", investedAmount: \"1.00\", reportedOn: $d}) { userErrors { code message } } }",
            json!({"p": project_id(project), "v": project.version, "d": china_date(chrono::Utc::now())}),
        )
        .await;
    assert_eq!(reply.ok()["progressReportCreate"]["userErrors"], json!([]));
}

const PROJECTS: &str = "subscription($f: ProjectChangeFilter!, $after: String) { projectChanged(filter: $f, after: $after) { cursor kind detail occurredOn project { code status } } }";

#[tokio::test]
async fn a_change_through_one_server_reaches_the_subscribers_of_another_within_their_scope() {
    let first = spawn_demo_app().await;
    let second = first.second_server().await;
    // 城关镇 (990101001…) and 东风镇 (990101002…), both built by the transport bureau.
    let here = project_at(
        &first,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let there = project_at(
        &first,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101002001"],
        0,
    )
    .await;
    let clerk = first.demo_login("township").await;
    let transport = second.demo_login("transport").await;
    let finance = second.demo_login("finance").await;

    // The 城关镇 clerk follows the whole county, and is shown only its own township.
    let mut clerk_feed = Subscription::open(
        &first,
        &clerk,
        PROJECTS,
        json!({"f": {"regionCode": "990101000000", "kinds": ["PROGRESS"]}, "after": now(&first).await}),
    )
    .await;
    let mut finance_feed = Subscription::open(
        &first,
        &first.demo_login("finance").await,
        "subscription($after: String) { ledgerEntryRecorded(regionCode: \"990101000000\", after: $after) { cursor entry { amount kind } } }",
        json!({"after": now(&first).await}),
    )
    .await;
    report(&second, &transport, &there).await;
    report(&second, &transport, &here).await;
    let change = clerk_feed.change().await;
    assert_eq!(
        change["projectChanged"]["project"]["code"],
        here.code.as_str(),
        "{change}"
    );
    assert_eq!(change["projectChanged"]["kind"], "PROGRESS");
    assert_eq!(change["projectChanged"]["detail"], "REPORT_PROGRESS");
    assert!(clerk_feed.next(Duration::from_millis(1_500)).await.is_none());

    // Money recorded through the second server reaches finance on the first.
    let line = crate::helpers::funded_line(&second).await;
    let first_entry = finance_feed.change().await;
    assert_eq!(
        first_entry["ledgerEntryRecorded"]["entry"]["kind"], "RECEIPT",
        "{first_entry}"
    );
    let reply = second
        .gql(
            Some(&finance),
            "mutation($l: ID!, $p: ID!, $d: Date!) { fundAllocate(input: {fundLine: $l, project: $p, amount: \"100.00\", date: $d}) { userErrors { code message } } }",
            json!({
                "l": tracker::graphql::node::global_id("FundLine", line.id).0,
                "p": project_id(&here),
                "d": china_date(chrono::Utc::now()),
            }),
        )
        .await;
    assert_eq!(reply.ok()["fundAllocate"]["userErrors"], json!([]));
    let allocation = finance_feed.change().await;
    assert_eq!(
        allocation["ledgerEntryRecorded"]["entry"]["kind"], "ALLOCATION",
        "{allocation}"
    );
    assert_eq!(allocation["ledgerEntryRecorded"]["entry"]["amount"], "100.00");

    // A township may not follow the county's ledger.
    let mut refused = Subscription::open(
        &first,
        &clerk,
        "subscription { ledgerEntryRecorded(regionCode: \"990101000000\") { cursor } }",
        json!({}),
    )
    .await;
    let error = refused.next(Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(error["type"], "next", "{error}");
    assert_eq!(
        error["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{error}"
    );

    // Queries and mutations go over HTTP, with its limits and its log.
    let mut query = Subscription::open(&first, &clerk, "{ me { username } }", json!({})).await;
    let error = query.next(Duration::from_secs(5)).await.expect("an answer");
    let errors = if error["type"] == "error" {
        &error["payload"]
    } else {
        &error["payload"]["errors"]
    };
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(errors[0]["message"].as_str().unwrap().contains("over HTTP"), "{error}");
}

#[tokio::test]
async fn a_reconnect_with_a_cursor_receives_the_changes_it_missed() {
    let app = spawn_demo_app().await;
    let mut projects = Vec::new();
    for _ in 0..4 {
        projects.push(
            project_at(
                &app,
                ProjectStatus::UnderConstruction,
                Sector::Road,
                &["990101001001"],
                0,
            )
            .await,
        );
    }
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let filter = json!({"regionCode": "990101001000", "kinds": ["PROGRESS"]});

    let mut feed = Subscription::open(
        &app,
        &coordinator,
        PROJECTS,
        json!({"f": filter, "after": now(&app).await}),
    )
    .await;
    report(&app, &transport, &projects[0]).await;
    let seen = feed.change().await;
    let cursor = seen["projectChanged"]["cursor"].as_str().unwrap().to_string();
    drop(feed);

    // Missed while away.
    report(&app, &transport, &projects[1]).await;
    report(&app, &transport, &projects[2]).await;
    let mut again = Subscription::open(&app, &coordinator, PROJECTS, json!({"f": filter, "after": cursor})).await;
    let missed = [again.change().await, again.change().await];
    let codes: Vec<&str> = missed
        .iter()
        .map(|c| c["projectChanged"]["project"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [projects[1].code.as_str(), projects[2].code.as_str()]);
    // Then live again, each once.
    report(&app, &transport, &projects[3]).await;
    let live = again.change().await;
    assert_eq!(live["projectChanged"]["project"]["code"], projects[3].code.as_str());
    assert!(again.next(Duration::from_millis(1_500)).await.is_none());

    // A connection without a token is refused at its init.
    let mut socket = connect(&app).await;
    send(&mut socket, json!({"type": "connection_init", "payload": {}})).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("an answer");
    match closed {
        // async-graphql closes it as a protocol error (1002), with the reason.
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1002, "{frame:?}");
            assert!(frame.reason.as_str().contains("authorization"), "{frame:?}");
        }
        other => panic!("expected the connection closed as forbidden, got {other:?}"),
    }
}

/// The dashboard example's page is served, and the query and subscription it sends work
/// against this schema: the example a frontend team copies cannot drift from the API.
#[tokio::test]
async fn the_dashboard_example_is_served_and_its_operations_work() {
    let app = spawn_demo_app().await;
    let response = app.get("/examples/dashboard").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    let document = |name: &str| {
        let start = page.find(&format!("const {name} = `")).expect(name) + name.len() + 10;
        page[start..start + page[start..].find('`').unwrap()].to_string()
    };
    let coordinator = app.demo_login("coordinator").await;
    let figures = app
        .gql(
            Some(&coordinator),
            &document("FIGURES"),
            json!({"year": 2026, "region": "990101000000"}),
        )
        .await;
    assert!(figures.ok()["fundUtilization"].is_array(), "{:?}", figures.data());
    assert!(figures.ok()["constructionProgress"].is_array());

    let project = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let mut feed = Subscription::open(
        &app,
        &coordinator,
        &document("CHANGES"),
        json!({"region": "990101000000", "after": now(&app).await}),
    )
    .await;
    report(&app, &app.demo_login("transport").await, &project).await;
    let change = feed.change().await;
    // The report, not the steps that made the project before the subscription began.
    assert_eq!(change["projectChanged"]["kind"], "PROGRESS", "{change}");
    assert_eq!(
        change["projectChanged"]["project"]["code"],
        project.code.as_str(),
        "{change}"
    );
    assert_eq!(change["projectChanged"]["entry"], Value::Null);
}

/// A subscription stops once its account is disabled: the sign-in is checked again before
/// each change is delivered, and the client is told the subscription is complete.
#[tokio::test]
async fn a_disabled_accounts_subscriptions_end() {
    let app = spawn_demo_app().await;
    let project = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let clerk = app.demo_login("township").await;
    let transport = app.demo_login("transport").await;
    let mut feed = Subscription::open(
        &app,
        &clerk,
        PROJECTS,
        json!({"f": {"regionCode": "990101001000", "kinds": ["PROGRESS"]}, "after": now(&app).await}),
    )
    .await;
    let me = app.gql(Some(&clerk), "{ me { id } }", json!({})).await;
    let admin = app.demo_login("admin").await;
    let reply = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { userUpdate(input: {id: $id, disabled: true}) { userErrors { message } } }",
            json!({"id": me.ok()["me"]["id"]}),
        )
        .await;
    assert_eq!(reply.ok()["userUpdate"]["userErrors"], json!([]));
    report(&app, &transport, &project).await;
    let message = feed.next(Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(message["type"], "complete", "{message}");
}
