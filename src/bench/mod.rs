//! `tracker bench` — load on the real HTTP server over a seeded database, and the same
//! work as raw SQL on the database, at the same concurrency.
//!
//! The server runs in this process on a port of its own; the load generator sends real
//! HTTP requests to it. For each read the SQL statements the server issued for one request
//! are captured (from the connection's statement hook) and replayed directly on the
//! database by the same number of workers for the same time, the two taking turns in
//! one-second windows: the ratio of the two throughputs is what the API layer costs.
//! Reported: throughput, p50, p99, statements per request. Last, the same load is sent to
//! a `tracker serve` process of its own, so that the server's peak resident memory is
//! measured without the load generator's.
mod client;

use crate::config::ServeArgs;
use crate::domain::access::{Actor, Role};
use crate::service::users;
use anyhow::{Context, anyhow};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct BenchArgs {
    pub database_url: String,
    pub county: String,
    pub year: i32,
    pub concurrency: usize,
    pub seconds: u64,
    /// Scenario names to run (`Q1`…`W1`); all when empty.
    pub only: Vec<String>,
    /// Print each scenario's captured SQL.
    pub show_sql: bool,
    /// Serve with metrics recorded.
    pub metrics: bool,
}

const PASSWORD: &str = "bench-password";
const SECRET: &str = "bench-secret-bench-secret-bench-secret-0000";

/// What the connection hook does with each statement.
#[derive(Default)]
struct Recorder {
    count: AtomicUsize,
    capturing: AtomicBool,
    captured: Mutex<Vec<Statement>>,
}

struct Scenario {
    name: &'static str,
    /// The GraphQL request for worker `w`, iteration `i`.
    request: Box<dyn Fn(usize, usize) -> Value + Send + Sync>,
    token: String,
    /// Whether the SQL can be replayed (reads only).
    replay: bool,
}

/// What the workers of one or more windows saw.
#[derive(Default)]
struct Measured {
    latencies: Vec<Duration>,
    errors: usize,
    /// Seconds the windows lasted, in all.
    seconds: f64,
}

impl Measured {
    fn add(&mut self, window: Measured) {
        self.latencies.extend(window.latencies);
        self.errors += window.errors;
        self.seconds += window.seconds;
    }

    fn requests(&self) -> usize {
        self.latencies.len()
    }

    fn throughput(&self) -> f64 {
        self.requests() as f64 / self.seconds.max(f64::MIN_POSITIVE)
    }

    /// The latency below which a share `p` of the requests finished.
    fn percentile(&mut self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

/// Runs `work` on `concurrency` workers for `window`, timing each call.
async fn drive<F, Fut>(concurrency: usize, window: Duration, work: F) -> Measured
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let deadline = started + window;
    let mut handles = Vec::new();
    for w in 0..concurrency {
        let work = work.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                if !work(w, i).await {
                    errors += 1;
                }
                latencies.push(t.elapsed());
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut measured = Measured::default();
    for h in handles {
        if let Ok((latencies, errors)) = h.await {
            measured.latencies.extend(latencies);
            measured.errors += errors;
        }
    }
    measured.seconds = started.elapsed().as_secs_f64();
    measured
}

/// Replays `statements` in order, as one request, from `concurrency` workers for `window`.
async fn replay(
    db: &DatabaseConnection,
    statements: &Arc<Vec<Statement>>,
    concurrency: usize,
    window: Duration,
) -> Measured {
    let (db, statements) = (db.clone(), statements.clone());
    drive(concurrency, window, move |_, _| {
        let db = db.clone();
        let statements = statements.clone();
        async move {
            for s in statements.iter() {
                if db.query_all_raw(s.clone()).await.is_err() {
                    return false;
                }
            }
            true
        }
    })
    .await
}

/// Per W1 worker: its project's id, the version it is at, and how many reports it sent.
type Versions = Arc<Vec<Mutex<(i64, i32, i64)>>>;

/// A W1 reply moved worker `w`'s project on: keeps the worker's version in step.
fn keep_version(versions: &Versions, w: usize, reply: &Value) {
    if let Some(version) = reply["data"]["progressReportCreate"]["project"]["version"].as_i64()
        && let Ok(mut slot) = versions[w].lock()
    {
        slot.1 = version as i32;
        slot.2 += 1;
    }
}

/// Sends `scenario`'s requests to the server at `server` from `concurrency` workers, each
/// on its own kept-alive connection.
async fn drive_api(
    server: SocketAddr,
    scenario: &Arc<Scenario>,
    versions: &Versions,
    concurrency: usize,
    window: Duration,
) -> Measured {
    let (scenario, versions) = (scenario.clone(), versions.clone());
    let authorization = format!("Bearer {}", scenario.token);
    let request = move |body: &Value| {
        let body = serde_json::to_vec(body).unwrap_or_default();
        client::Request::post(server, "/graphql", &authorization, &body)
    };
    // A read sends the same request every time: it is written once.
    let read = scenario.replay.then(|| request(&(scenario.request)(0, 0)));
    let connections: Arc<Vec<tokio::sync::Mutex<client::Connection>>> = Arc::new(
        (0..concurrency)
            .map(|_| tokio::sync::Mutex::new(client::Connection::new(server)))
            .collect(),
    );
    drive(concurrency, window, move |w, i| {
        let scenario = scenario.clone();
        let versions = versions.clone();
        let connections = connections.clone();
        let request = match &read {
            Some(read) => read.clone(),
            None => request(&(scenario.request)(w, i)),
        };
        async move {
            let mut connection = connections[w].lock().await;
            let Ok(reply) = connection.send(&request).await else {
                return false;
            };
            let ok = reply.status == 200;
            if scenario.replay {
                return ok && !is_error_reply(reply.body);
            }
            let Ok(body) = serde_json::from_slice::<Value>(reply.body) else {
                return false;
            };
            keep_version(&versions, w, &body);
            ok && body.get("errors").is_none()
                && body["data"]["progressReportCreate"]["userErrors"]
                    .as_array()
                    .is_none_or(|e| e.is_empty())
        }
    })
    .await
}

/// Whether a GraphQL reply carries top-level `errors`. The load generator shares the CPU
/// with the server, so it looks for the key instead of parsing the whole reply: in JSON the
/// bytes `"errors":` can only be a key (inside a string the quotes would be escaped), and
/// no field or alias of the benchmark's reads is named `errors`.
fn is_error_reply(reply: &[u8]) -> bool {
    memchr::memmem::find(reply, br#""errors":"#).is_some()
}

/// A `tracker serve` child process, killed when dropped.
struct ChildServer(std::process::Child);

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tracker serve` on `database_url` in a process of its own and waits until it answers.
async fn spawn_server(
    client: &reqwest::Client,
    database_url: &str,
    secret: &str,
) -> anyhow::Result<(ChildServer, SocketAddr)> {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let child = std::process::Command::new(std::env::current_exe()?)
        .args([
            "serve",
            "--no-migrate",
            "--db-pool",
            "16",
            "--listen",
            &listen.to_string(),
        ])
        .env("DATABASE_URL", database_url)
        .env("TRACKER_JWT_SECRET", secret)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .context("starting `tracker serve`")?;
    let child = ChildServer(child);
    let base = format!("http://{listen}");
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return Ok((child, listen));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(anyhow!("`tracker serve` did not answer on {listen}"))
}

/// Peak resident memory of process `pid` (`self` for this one), in MB.
fn peak_rss_mb(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A bench user of `role` in the county (made once).
async fn bench_user(
    db: &DatabaseConnection,
    username: &str,
    role: Role,
    region: &str,
    department: Option<i64>,
) -> anyhow::Result<()> {
    let exists = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Username.eq(username))
        .one(db)
        .await?;
    if exists.is_none() {
        let input = users::UserInput {
            username: username.into(),
            display_name: None,
            password: PASSWORD.into(),
            role,
            region_code: Some(region.into()),
            department_id: department,
        };
        users::create(db, &Actor::system(), input)
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

async fn login(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let body = json!({"query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { message } } }", "variables": {"u": username, "p": PASSWORD}});
    let reply: Value = client
        .post(format!("{base}/graphql"))
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    reply["data"]["login"]["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("cannot sign in as {username}: {reply}"))
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let recorder = Arc::new(Recorder::default());
    let mut db = crate::db::connect(&args.database_url, 16).await?;
    let hook = recorder.clone();
    crate::db::writer::observe(
        &mut db,
        Arc::new(move |info| {
            hook.count.fetch_add(1, Ordering::Relaxed);
            if hook.capturing.load(Ordering::Relaxed)
                && let Ok(mut captured) = hook.captured.lock()
            {
                captured.push(info.statement.clone());
            }
        }),
    );
    crate::startup::migrate(&db).await?;
    let county = crate::domain::region::RegionCode::parse(&args.county).map_err(|m| anyhow!(m))?;
    let province = county
        .ancestors()
        .last()
        .cloned()
        .ok_or_else(|| anyhow!("no province"))?;
    let road = entity::department::Entity::find()
        .filter(entity::department::Column::CountyCode.eq(county.as_str()))
        .filter(entity::department::Column::Sectors.eq("ROAD"))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow!("no road department in {county}: run `tracker seed county --code {county}` first"))?;
    bench_user(&db, "bench-coordinator", Role::Coordinator, county.as_str(), None).await?;
    bench_user(&db, "bench-admin", Role::Admin, province.as_str(), None).await?;
    bench_user(&db, "bench-road", Role::Department, county.as_str(), Some(road.id)).await?;

    // The server, on its own port.
    let serve = ServeArgs {
        listen: "127.0.0.1:0".parse()?,
        jwt_secret: Some(SECRET.into()),
        dev: false,
        demo: false,
        no_migrate: true,
        token_hours: 2,
        max_body_bytes: 1 << 20,
        max_selections: 3_000,
        max_depth: 12,
        max_complexity: 20_000,
        max_aliases: 100,
        request_timeout_ms: 30_000,
        slow_ms: 1_000,
        metrics_token: args.metrics.then(|| SECRET.to_string()),
        metrics_listen: None,
        statement_timeout_ms: 10_000,
        shutdown_grace_seconds: 1,
        shutdown_drain_seconds: 0,
        introspection: crate::http::Introspection::Public,
        login_failures_per_user: 1_000,
        login_failures_per_client: 1_000,
        login_window_minutes: 1,
        public_requests_per_minute: 1_000_000,
        public_url: None,
        max_import_bytes: 20 * 1024 * 1024,
        trust_proxy: false,
        cors_origins: vec![],
    };
    let listener = tokio::net::TcpListener::bind(serve.listen).await?;
    let server = listener.local_addr()?;
    let base = format!("http://{server}");
    let app = crate::startup::app(db.clone(), crate::startup::tokens(&serve)?, &serve);
    let stopping = crate::startup::Stopping::of(&serve);
    tokio::spawn(crate::startup::serve(listener, app, stopping, std::future::pending()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency * 2)
        .build()?;
    let coordinator = login(&client, &base, "bench-coordinator").await?;
    let admin = login(&client, &base, "bench-admin").await?;
    let road_token = login(&client, &base, "bench-road").await?;

    // Q3's project: one with money and history; W1's: the road projects under construction.
    let busy = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT p.code FROM project p JOIN ledger_entry e ON e.project_id = p.id WHERE p.county_code = '{county}' AND e.kind = 'DISBURSEMENT' GROUP BY p.code ORDER BY COUNT(*) DESC LIMIT 1"),
        ))
        .await?
        .and_then(|r| r.try_get::<String>("", "code").ok())
        .ok_or_else(|| anyhow!("no project with disbursements in {county}"))?;
    let building: Vec<(i64, i32)> = entity::project::Entity::find()
        .filter(entity::project::Column::CountyCode.eq(county.as_str()))
        .filter(entity::project::Column::DepartmentId.eq(road.id))
        .filter(entity::project::Column::Status.eq("UNDER_CONSTRUCTION"))
        .all(&db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.version))
        .collect();
    if building.len() < args.concurrency {
        return Err(anyhow!(
            "W1 needs at least {} road projects under construction in {county}",
            args.concurrency
        ));
    }
    let year = args.year;
    let county_code = county.to_string();
    let province_code = province.to_string();
    let q1 = "query($r: String!) { projects(first: 100, filter: {regionCode: $r}) { nodes { code name township { name } villages { name } department { name } fundSummary { allocated disbursed } latestProgress { completedQuantity } } } }";
    let q2 = "query($y: Int!, $r: String!) { fundUtilization(year: $y, regionCode: $r, groupBy: [FUND_KIND]) { fundKind planned inPlace arrivalRate allocated unallocated disbursed disbursementRate } }";
    let q3 = "query($c: String!) { project(code: $c) { code name status allocations { amount date } disbursements { amount date } progressReports { completedQuantity reportedOn } events { action toStatus occurredAt } } }";
    let q4 = "query($y: Int!, $r: String!) { fundUtilization(year: $y, regionCode: $r, groupBy: [COUNTY]) { county { code } inPlace allocated disbursed } }";
    let p1 = "query($y: Int!, $r: String!, $a: Date) { constructionProgress(year: $y, regionCode: $r, asOf: $a) { sector projectCount startedCount completedCount completedQuantity targetQuantity quantityRate } }";
    let p2 =
        "query($y: Int!, $r: String!, $a: Date) { progressReport(year: $y, regionCode: $r, asOf: $a) { narrative } }";
    // The as-of day of P1b and P2b: the end of September of the bench year.
    let september = format!("{year}-09-30");
    let province_read =
        |query: &'static str, as_of: Option<String>| -> Box<dyn Fn(usize, usize) -> Value + Send + Sync> {
            let r = province.to_string();
            Box::new(move |_, _| json!({"query": query, "variables": {"y": year, "r": r, "a": as_of}}))
        };
    let versions: Versions = Arc::new(
        (0..args.concurrency)
            .map(|w| {
                let (id, version) = building[w];
                Mutex::new((id, version, 0))
            })
            .collect(),
    );
    let today = crate::domain::calendar::today().to_string();
    let scenarios = vec![
        // Not one of the issue's scenarios: the cost of HTTP, sign-in and GraphQL alone,
        // which every request pays on top of its own SQL.
        Scenario {
            name: "Q0 me (the API's floor)",
            request: Box::new(|_, _| json!({"query": "{ me { username } }"})),
            token: coordinator.clone(),
            replay: true,
        },
        Scenario {
            name: "Q1 page of 100 projects",
            request: Box::new(move |_, _| json!({"query": q1, "variables": {"r": county_code}})),
            token: coordinator.clone(),
            replay: true,
        },
        Scenario {
            name: "Q2 county fundUtilization",
            request: {
                let c = county.to_string();
                Box::new(move |_, _| json!({"query": q2, "variables": {"y": year, "r": c}}))
            },
            token: coordinator.clone(),
            replay: true,
        },
        Scenario {
            name: "Q3 one project in full",
            request: Box::new(move |_, _| json!({"query": q3, "variables": {"c": busy}})),
            token: coordinator.clone(),
            replay: true,
        },
        Scenario {
            name: "Q4 province by county",
            request: Box::new(move |_, _| json!({"query": q4, "variables": {"y": year, "r": province_code}})),
            token: admin.clone(),
            replay: true,
        },
        Scenario {
            name: "P1 province constructionProgress",
            request: province_read(p1, None),
            token: admin.clone(),
            replay: true,
        },
        Scenario {
            name: "P1b same, as of 30 September",
            request: province_read(p1, Some(september.clone())),
            token: admin.clone(),
            replay: true,
        },
        Scenario {
            name: "P2 province progressReport",
            request: province_read(p2, None),
            token: admin.clone(),
            replay: true,
        },
        Scenario {
            name: "P2b same, as of 30 September",
            request: province_read(p2, Some(september)),
            token: admin.clone(),
            replay: true,
        },
        Scenario {
            name: "W1 progressReportCreate",
            request: {
                let versions = versions.clone();
                Box::new(move |w, _| {
                    let (id, version, n) = versions[w].lock().map(|g| *g).unwrap_or((0, 0, 0));
                    let project = crate::graphql::node::global_id("Project", id).0;
                    json!({"query": "mutation($i: ProgressReportCreateInput!) { progressReportCreate(input: $i) { project { version } userErrors { code } } }",
                        "variables": {"i": {"project": project, "expectedVersion": version, "completedQuantity": "0", "investedAmount": format!("{}.00", n), "reportedOn": today, "correction": true}}})
                })
            },
            token: road_token.clone(),
            replay: false,
        },
    ];

    println!(
        "bench: {} workers × {} s per scenario, database {}",
        args.concurrency,
        args.seconds,
        crate::db::redact(&args.database_url)
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>7} {:>11} {:>7} {:>6}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "SQL req/s", "ratio", "stmts"
    );
    let chosen = |name: &str| {
        args.only.is_empty()
            || args.only.iter().any(|o| {
                name.split_whitespace()
                    .next()
                    .is_some_and(|id| id.eq_ignore_ascii_case(o.trim()))
            })
    };
    let chosen_scenarios: Vec<Arc<Scenario>> = scenarios.into_iter().filter(|s| chosen(s.name)).map(Arc::new).collect();
    for scenario in chosen_scenarios.iter().cloned() {
        // One request with its statements captured.
        recorder.captured.lock().map(|mut c| c.clear()).ok();
        recorder.capturing.store(true, Ordering::SeqCst);
        let reply: Value = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&scenario.token)
            .json(&(scenario.request)(0, 0))
            .send()
            .await?
            .json()
            .await
            .context("reading the reply")?;
        recorder.capturing.store(false, Ordering::SeqCst);
        keep_version(&versions, 0, &reply);
        if reply.get("errors").is_some() {
            return Err(anyhow!("{}: {reply}", scenario.name));
        }
        let statements: Vec<Statement> = recorder.captured.lock().map(|c| c.clone()).unwrap_or_default();
        if args.show_sql {
            // The text and its values apart: a statement whose text numbers its parameters
            // itself (`db::statements`) cannot be formatted with the values in place.
            for statement in &statements {
                eprintln!("{}: {}", scenario.name, statement.sql);
                if let Some(values) = &statement.values {
                    eprintln!("    values: {:?}", values.0);
                }
            }
        }
        // The API and its SQL take turns in one-second windows, so that the drift of a
        // shared machine's speed (±10 % over minutes) falls on both alike.
        let statements = Arc::new(statements);
        let window = Duration::from_secs(1);
        let mut api = Measured::default();
        let mut sql = scenario.replay.then(Measured::default);
        let mut api_statements = 0;
        for _ in 0..args.seconds.max(1) {
            let before = recorder.count.load(Ordering::SeqCst);
            api.add(drive_api(server, &scenario, &versions, args.concurrency, window).await);
            api_statements += recorder.count.load(Ordering::SeqCst) - before;
            if let Some(sql) = &mut sql {
                sql.add(replay(&db, &statements, args.concurrency, window).await);
            }
        }
        let per_request = api_statements as f64 / api.requests().max(1) as f64;
        println!(
            "{:<28} {:>9.1} {:>9.2} {:>9.2} {:>7} {:>11} {:>7} {:>6.1}",
            scenario.name,
            api.throughput(),
            api.percentile(0.5).as_secs_f64() * 1000.0,
            api.percentile(0.99).as_secs_f64() * 1000.0,
            api.errors,
            sql.as_ref().map_or("—".into(), |s| format!("{:.1}", s.throughput())),
            sql.as_ref().map_or("—".into(), |s| format!(
                "{:.2}",
                api.throughput() / s.throughput().max(f64::MIN_POSITIVE)
            )),
            per_request,
        );
    }
    // The server alone: the same load on a `tracker serve` process of its own, whose
    // peak resident memory is then read (the load generator's is not in it).
    let (child, child_address) = spawn_server(&client, &args.database_url, SECRET).await?;
    let seconds = args.seconds.min(3);
    for scenario in chosen_scenarios {
        drive_api(
            child_address,
            &scenario,
            &versions,
            args.concurrency,
            Duration::from_secs(seconds),
        )
        .await;
    }
    let pid = child.0.id().to_string();
    match peak_rss_mb(&pid) {
        Some(mb) => println!(
            "peak resident memory of the server (a `tracker serve` process, the same load again for {seconds} s each): {mb:.0} MB"
        ),
        None => println!("peak resident memory of the server: not available (no /proc)"),
    }
    if let Some(mb) = peak_rss_mb("self") {
        println!("peak resident memory of the benchmark process (in-process server and load generator): {mb:.0} MB");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_error_reply;
    use serde_json::json;

    #[test]
    fn a_reply_is_an_error_only_when_it_has_top_level_errors() {
        let failed = json!({"data": null, "errors": [{"message": "boom"}]}).to_string();
        assert!(is_error_reply(failed.as_bytes()));
        // A string holding the same text is escaped in JSON, and `userErrors` is another key.
        let fine = json!({"data": {"project": {"name": "\"errors\": none", "userErrors": []}}}).to_string();
        assert!(!is_error_reply(fine.as_bytes()));
    }
}
