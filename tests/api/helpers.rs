//! The test harness: each test gets its own server on a random port over its own fresh
//! database — an SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL`
//! points at a server (the URL's database is used only to create the test's own).
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracker::config::ServeArgs;

/// The secret tests sign tokens with, so they can forge bad ones.
pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: sea_orm::DatabaseConnection,
    /// How many SQL statements the server's connection has run.
    pub statements: Arc<AtomicUsize>,
    /// The database URL, for a second server on the same database.
    pub url: String,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

pub fn serve_args() -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        jwt_secret: Some(SECRET.into()),
        dev: false,
        demo: false,
        no_migrate: false,
        token_hours: 1,
        max_body_bytes: 1024 * 1024,
        max_selections: 3_000,
        max_depth: 12,
        max_complexity: 20_000,
        max_aliases: 100,
        request_timeout_ms: 30_000,
        slow_ms: 1_000,
        metrics_token: None,
        metrics_listen: None,
        statement_timeout_ms: 10_000,
        shutdown_grace_seconds: 10,
        shutdown_drain_seconds: 0,
        introspection: tracker::http::Introspection::Public,
        login_failures_per_user: 5,
        login_failures_per_client: 20,
        login_window_minutes: 15,
        public_requests_per_minute: 100_000,
        public_url: None,
        max_import_bytes: 20 * 1024 * 1024,
        trust_proxy: false,
        cors_origins: vec!["https://frontend.example".into()],
    }
}

/// A database URL for a fresh, empty database, and the SQLite file if it is one.
pub async fn fresh_database() -> (String, Option<std::path::PathBuf>) {
    let name = format!("tracker_test_{}", uuid::Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            use sea_orm::ConnectionTrait;
            let admin = sea_orm::Database::connect(&server)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create the test database");
            admin.close().await.ok();
            let (base, _) = server.rsplit_once('/').expect("TEST_DATABASE_URL names a database");
            (format!("{base}/{name}"), None)
        }
        _ => {
            let file = std::env::temp_dir().join(format!("{name}.db"));
            (format!("sqlite://{}?mode=rwc", file.display()), Some(file))
        }
    }
}

/// The real binary serving a fresh database (SQLite, or PostgreSQL when
/// `TEST_DATABASE_URL` names a server) with `env` set, once it answers `/healthz`.
pub struct Process {
    pub child: std::process::Child,
    pub port: u16,
    pub url: String,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

pub async fn start_binary(env: &[(&str, &str)], stderr: std::process::Stdio) -> Process {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (url, sqlite_file) = fresh_database().await;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_tracker"))
        .env("DATABASE_URL", &url)
        .env("TRACKER_LISTEN", format!("127.0.0.1:{port}"))
        .env("TRACKER_JWT_SECRET", SECRET)
        .envs(env.iter().copied())
        .stderr(stderr)
        .spawn()
        .expect("start the server");
    let process = Process {
        child,
        port,
        url,
        sqlite_file,
    };
    let client = reqwest::Client::new();
    let up = async {
        loop {
            if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), up)
        .await
        .expect("the server started");
    process
}

pub async fn spawn_app_with(args: ServeArgs) -> TestApp {
    let (url, sqlite_file) = fresh_database().await;
    serve_on(url, sqlite_file, args).await
}

/// A server, with its own connection pool, over the database at `url`.
async fn serve_on(url: String, sqlite_file: Option<std::path::PathBuf>, args: ServeArgs) -> TestApp {
    let mut db = tracker::db::connect(&url, 8).await.expect("connect");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    tracker::startup::migrate(&db).await.expect("migrate");
    let tokens = tracker::startup::tokens(&args).expect("tokens");
    let listener = tokio::net::TcpListener::bind(args.listen).await.expect("bind");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let app = tracker::startup::app(db.clone(), tokens, &args);
    let stopping = tracker::startup::Stopping {
        drain: std::time::Duration::ZERO,
        grace: std::time::Duration::from_secs(1),
    };
    tokio::spawn(tracker::startup::serve(listener, app, stopping, std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        statements,
        url,
        sqlite_file,
    }
}

/// A server over an empty, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(serve_args()).await
}

/// A server with the demo county's regions, departments and users (no projects).
pub async fn spawn_demo_app() -> TestApp {
    let app = spawn_app().await;
    tracker::seed::demo::seed_directory(&app.db).await.expect("seed demo");
    app
}

/// A GraphQL response: the parsed body and the HTTP status.
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The `extensions.code` of the first top-level error.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn error_message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }

    /// Asserts there were no top-level errors and returns the data.
    pub fn ok(&self) -> &Value {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        &self.body["data"]
    }
}

impl TestApp {
    pub async fn post_raw(&self, body: impl Into<reqwest::Body>, token: Option<&str>) -> Reply {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply { status, body }
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        let reply = self
            .post_raw(json!({"query": query, "variables": variables}).to_string(), token)
            .await;
        check_user_error_paths(query, &reply.body);
        reply
    }

    /// Signs in and returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { code message } } }",
                json!({"u": username, "p": password}),
            )
            .await;
        reply.ok()["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login as {username} failed: {}", reply.body))
            .to_string()
    }

    /// Signs in as a demo user.
    pub async fn demo_login(&self, username: &str) -> String {
        self.login(username, tracker::seed::demo::PASSWORD).await
    }

    /// Another server process's worth: its own pool and router over the same database.
    pub async fn second_server(&self) -> TestApp {
        serve_on(self.url.clone(), None, serve_args()).await
    }

    /// The statements the server runs for one request.
    pub async fn count_statements(&self, token: &str, query: &str, variables: Value) -> (usize, Reply) {
        let before = self.statements.load(Ordering::SeqCst);
        let reply = self.gql(Some(token), query, variables).await;
        (self.statements.load(Ordering::SeqCst) - before, reply)
    }

    /// The actor a demo user acts as, for setting up state through the services.
    pub async fn actor(&self, username: &str) -> tracker::domain::access::Actor {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let user = entity::app_user::Entity::find()
            .filter(entity::app_user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"));
        tracker::service::auth::actor_of(&user).unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }
}

/// The day the histories of `project_at` begin: steps follow a day apart.
pub const HISTORY_START: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();

/// A project of the demo county moved to `status` through the services, as the users the
/// lifecycle table names (township 城关镇, the sector's department, the coordinator).
pub async fn project_at(
    app: &TestApp,
    status: tracker::domain::lifecycle::ProjectStatus,
    sector: tracker::domain::sector::Sector,
    villages: &[&str],
    poor_households: i32,
) -> entity::project::Model {
    project_of_category(app, status, sector, None, villages, poor_households).await
}

/// [`project_at`] with a category (项目类别) other than the sector's usual one.
pub async fn project_of_category(
    app: &TestApp,
    status: tracker::domain::lifecycle::ProjectStatus,
    sector: tracker::domain::sector::Sector,
    category: Option<tracker::domain::category::ProjectCategory>,
    villages: &[&str],
    poor_households: i32,
) -> entity::project::Model {
    let today = tracker::domain::calendar::today();
    let dates = PlannedDates {
        start: today,
        finish: today,
        claim_deadline: today + chrono::Duration::days(30),
    };
    project_planned(app, status, sector, category, villages, poor_households, dates).await
}

/// The dates a test project is planned with.
#[derive(Clone, Copy, Debug)]
pub struct PlannedDates {
    pub start: chrono::NaiveDate,
    pub finish: chrono::NaiveDate,
    /// The claim deadline its assignment sets.
    pub claim_deadline: chrono::NaiveDate,
}

/// [`project_of_category`] with the planned start and finish and the claim deadline given.
pub async fn project_planned(
    app: &TestApp,
    status: tracker::domain::lifecycle::ProjectStatus,
    sector: tracker::domain::sector::Sector,
    category: Option<tracker::domain::category::ProjectCategory>,
    villages: &[&str],
    poor_households: i32,
    dates: PlannedDates,
) -> entity::project::Model {
    use tracker::domain::lifecycle::{self, Who};
    use tracker::service::projects::{self, ProjectInput, TargetInput, TransitionDetails};
    let today = tracker::domain::calendar::today();
    let township = township_clerk(app, &villages[0][..9]).await;
    let coordinator = app.actor("coordinator").await;
    let department_user = match sector {
        tracker::domain::sector::Sector::Road => "transport",
        tracker::domain::sector::Sector::DrinkingWater => "water",
        tracker::domain::sector::Sector::Clinic => "health",
        tracker::domain::sector::Sector::PowerGrid => "power",
        tracker::domain::sector::Sector::Education => "education",
        tracker::domain::sector::Sector::Telecom => "telecom",
        other => panic!("no demo department user for {other:?}"),
    };
    let department = app.actor(department_user).await;
    let input = ProjectInput {
        name: format!("{}测试项目", sector.chinese_name()),
        sector,
        category,
        year: 2026,
        village_codes: villages.iter().map(|v| v.to_string()).collect(),
        nature: tracker::domain::project::ConstructionNature::New,
        content: "建设内容".into(),
        planned_quantity: rust_decimal::Decimal::new(5, 0),
        budget: rust_decimal::Decimal::new(1_000_000, 0),
        beneficiaries: tracker::domain::project::Beneficiaries {
            households: 50,
            people: 150,
            poor_households,
            poor_people: poor_households * 3,
        },
        performance_targets: vec![TargetInput {
            indicator: "工程量".into(),
            unit: sector.unit().into(),
            target: rust_decimal::Decimal::new(5, 0),
        }],
        planned_start: Some(dates.start),
        planned_finish: Some(dates.finish),
        created_on: Some(HISTORY_START.min(today)),
    };
    let mut project = projects::create(&app.db, &township, input).await.unwrap();
    let path = lifecycle::path_to(status);
    // A step a day from the start of the history, so that entries dated in the year find
    // the project where the path leaves it.
    for (n, action) in path.into_iter().enumerate() {
        let day = (HISTORY_START + chrono::Duration::days(n as i64 + 1)).min(today);
        let row = lifecycle::transition(projects::status_of(&project).unwrap(), action).unwrap();
        let actor = match row.who {
            Who::Role(tracker::domain::access::Role::Township) => &township,
            Who::AssignedDepartment => &department,
            Who::Role(_) => &coordinator,
        };
        let details = TransitionDetails {
            comment: Some("测试".into()),
            department_id: department.department_id,
            deadline: Some(dates.claim_deadline),
            milestone: Some(tracker::domain::project::PreparationMilestone::Design),
            date: Some(day),
            final_quantity: Some(rust_decimal::Decimal::new(5, 0)),
            grade: Some(tracker::domain::project::AcceptanceGrade::Qualified),
            correction: false,
        };
        tracker::seed::disclosure::notice_for_step(&app.db, &coordinator, &project, action, day)
            .await
            .unwrap();
        project = projects::transition(&app.db, actor, project.id, project.version, action, details)
            .await
            .unwrap();
    }
    project
}

/// The clerk of the township whose code starts `990101xxx`: the demo's `township` for
/// 城关镇, for another township a clerk made for it on first use.
pub async fn township_clerk(app: &TestApp, township_prefix: &str) -> tracker::domain::access::Actor {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if township_prefix == "990101001" {
        return app.actor("township").await;
    }
    let username = format!("township{township_prefix}");
    let exists = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Username.eq(username.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .is_some();
    if !exists {
        tracker::service::users::create(
            &app.db,
            &tracker::domain::access::Actor::system(),
            tracker::service::users::UserInput {
                username: username.clone(),
                display_name: None,
                password: "long-enough".into(),
                role: tracker::domain::access::Role::Township,
                region_code: Some(format!("{township_prefix}000")),
                department_id: None,
            },
        )
        .await
        .unwrap();
    }
    app.actor(&username).await
}

/// A project's global ID.
pub fn project_id(project: &entity::project::Model) -> String {
    tracker::graphql::node::global_id("Project", project.id).0
}

/// Checks every `userErrors[].field` of a mutation's reply against the schema: each must be
/// a real path into that mutation's arguments (input fields by name, list items by index).
/// Every reply of the suite passes through here, so every userError the suite produces is
/// checked.
pub fn check_user_error_paths(query: &str, body: &Value) {
    use async_graphql::parser::types::{OperationType, Selection};
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    for (_, operation) in document.operations.iter() {
        if operation.node.ty != OperationType::Mutation {
            continue;
        }
        for item in &operation.node.selection_set.node.items {
            let Selection::Field(field) = &item.node else { continue };
            let name = field.node.name.node.as_str();
            let key = field.node.alias.as_ref().map_or(name, |a| a.node.as_str());
            let Some(errors) = body["data"][key]["userErrors"].as_array() else {
                continue;
            };
            for error in errors {
                let Some(path) = error["field"].as_array() else {
                    continue;
                };
                let path: Vec<&str> = path.iter().map(|s| s.as_str().unwrap_or("?")).collect();
                if let Err(why) = schema_shape().check(name, &path) {
                    panic!(
                        "{name} answered a userError whose field {path:?} is not a path into its arguments ({why}): {error}"
                    );
                }
            }
        }
    }
}

/// The schema's mutation arguments and input types, as the committed SDL gives them.
pub struct SchemaShape {
    /// Mutation → argument → type.
    mutations: std::collections::HashMap<String, std::collections::HashMap<String, async_graphql::parser::types::Type>>,
    /// Input type → field → type.
    inputs: std::collections::HashMap<String, std::collections::HashMap<String, async_graphql::parser::types::Type>>,
}

pub fn schema_shape() -> &'static SchemaShape {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    static SHAPE: std::sync::OnceLock<SchemaShape> = std::sync::OnceLock::new();
    SHAPE.get_or_init(|| {
        let sdl = tracker::graphql::sdl();
        let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
        let mut shape = SchemaShape {
            mutations: Default::default(),
            inputs: Default::default(),
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let ty = ty.node;
            match ty.kind {
                TypeKind::Object(object) if ty.name.node == "Mutation" => {
                    for field in object.fields {
                        let args = field
                            .node
                            .arguments
                            .iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                            .collect();
                        shape.mutations.insert(field.node.name.node.to_string(), args);
                    }
                }
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                        .collect();
                    shape.inputs.insert(ty.name.node.to_string(), fields);
                }
                _ => {}
            }
        }
        shape
    })
}

impl SchemaShape {
    /// Whether `path` leads from one of `mutation`'s arguments through input fields and list
    /// indices; the reason if not.
    pub fn check(&self, mutation: &str, path: &[&str]) -> Result<(), String> {
        use async_graphql::parser::types::BaseType;
        let arguments = self.mutations.get(mutation).ok_or("no such mutation")?;
        let (first, rest) = path.split_first().ok_or("an empty path")?;
        let mut ty = arguments
            .get(*first)
            .ok_or_else(|| format!("no argument `{first}`"))?
            .clone();
        for segment in rest {
            ty = match ty.base {
                BaseType::List(item) => {
                    segment
                        .parse::<usize>()
                        .map_err(|_| format!("`{segment}` is not a list index"))?;
                    *item
                }
                BaseType::Named(name) => self
                    .inputs
                    .get(name.as_str())
                    .and_then(|fields| fields.get(*segment))
                    .ok_or_else(|| format!("`{name}` has no field `{segment}`"))?
                    .clone(),
            };
        }
        Ok(())
    }
}

/// A fund line of the demo county for 2026 (整合资金, central) with 1,000,000 yuan planned,
/// all of it received on 2026-04-01, recorded by the finance user.
pub async fn funded_line(app: &TestApp) -> entity::fund_line::Model {
    use rust_decimal::Decimal;
    use tracker::service::funds::{self, FundLineInput, ReceiptInput};
    let finance = app.actor("finance").await;
    let line = funds::create_line(
        &app.db,
        &finance,
        FundLineInput {
            county_code: "990101000000".into(),
            year: 2026,
            name: "整合资金".into(),
            kind: tracker::domain::funds::FundKind::IntegratedAgricultural,
            level: tracker::domain::funds::FundLevel::Central,
            planned: Decimal::new(1_000_000, 0),
            poverty_targeted: None,
        },
    )
    .await
    .unwrap();
    funds::record_receipt(
        &app.db,
        &finance,
        ReceiptInput {
            fund_line_id: line.id,
            amount: Decimal::new(1_000_000, 0),
            date: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            document_no: "财〔2026〕1号".into(),
            note: None,
            confirm_duplicate: false,
        },
    )
    .await
    .unwrap();
    line
}

/// A demo department's global ID, by its name.
pub async fn department_id(app: &TestApp, name: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = entity::department::Entity::find()
        .filter(entity::department::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no department {name}"));
    tracker::graphql::node::global_id("Department", row.id).0
}

/// Posts, as the poverty office, the notice (公告公示) the step `action` on `day` needs for
/// the project with global ID `project`: the application notice before an approval, the
/// completion notice for an acceptance (`tracker::seed::disclosure::notice_for_step`).
pub async fn notice_for(app: &TestApp, project: &Value, action: tracker::domain::lifecycle::ProjectAction, day: &str) {
    use sea_orm::EntityTrait;
    let id = async_graphql::ID(project.as_str().expect("a project's global ID").to_string());
    let id = tracker::graphql::node::decode_numeric(&id, "Project", "project").unwrap();
    let row = entity::project::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let coordinator = app.actor("coordinator").await;
    tracker::seed::disclosure::notice_for_step(&app.db, &coordinator, &row, action, day.parse().unwrap())
        .await
        .unwrap();
}
