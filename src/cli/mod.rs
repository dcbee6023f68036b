//! The subcommands: serving, migrating, seeding, accounts, regions, the schema, reports,
//! exports and the benchmark (the last two run `seed` and `bench`).
pub mod one_core;

use crate::config::{Cli, Command, RegionsCommand, SeedCommand, ServeArgs, UserCommand};
use crate::domain::access::{Actor, Role};
use crate::seed::demo::{self, SeedOutcome};
use crate::service::{ServiceError, departments, regions, users};
use crate::{db, startup};
use anyhow::{Context, anyhow, bail};
use std::io::Write;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(&cli.database_url, cli.db_pool, cli.serve).await,
        Some(Command::Serve(args)) => serve(&cli.database_url, cli.db_pool, args).await,
        Some(Command::Schema) => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Some(Command::Migrate) => {
            let db = db::connect(&cli.database_url, 1).await?;
            startup::migrate(&db).await?;
            println!("the database at {} is up to date", db::redact(&cli.database_url));
            Ok(())
        }
        Some(Command::Seed {
            what: SeedCommand::Demo,
        }) => {
            let db = open_migrated(&cli.database_url).await?;
            match demo::seed(&db).await.map_err(explain)? {
                SeedOutcome::Seeded {
                    regions,
                    departments,
                    users,
                } => println!(
                    "loaded the demo county 示范县: {regions} regions, {departments} departments, {users} users (password {})",
                    demo::PASSWORD
                ),
                SeedOutcome::AlreadyPresent => println!("the demo county is already loaded; nothing changed"),
            }
            Ok(())
        }
        Some(Command::Seed {
            what: SeedCommand::County { code, projects, seed },
        }) => {
            let db = open_migrated(&cli.database_url).await?;
            let code = crate::domain::region::RegionCode::parse(&code).map_err(|m| anyhow!(m))?;
            generate(&db, &[code], projects, seed).await
        }
        Some(Command::Seed {
            what:
                SeedCommand::Province {
                    code,
                    counties,
                    projects,
                    seed,
                },
        }) => {
            let db = open_migrated(&cli.database_url).await?;
            let province = crate::domain::region::RegionCode::parse(&code).map_err(|m| anyhow!(m))?;
            let codes = crate::seed::generate::province_counties(&province, counties);
            generate(&db, &codes, projects, seed).await
        }
        Some(Command::User { action }) => user(&cli.database_url, action).await,
        Some(Command::Bench {
            county,
            year,
            concurrency,
            seconds,
            only,
            show_sql,
            metrics,
        }) => {
            crate::bench::run(crate::bench::BenchArgs {
                database_url: cli.database_url,
                county,
                year,
                concurrency,
                seconds,
                only,
                show_sql,
                metrics,
            })
            .await
        }
        Some(Command::Report { region, year, as_of }) => {
            let db = open_migrated(&cli.database_url).await?;
            let report = crate::service::construction::work_report(&db, &Actor::system(), year, &region, as_of)
                .await
                .map_err(explain)?;
            println!("{}", report.narrative);
            Ok(())
        }
        Some(Command::Export(args)) => export(&cli.database_url, args).await,
        Some(Command::Import(args)) => import(&cli.database_url, args).await,
        Some(Command::Alerts {
            region,
            as_of,
            kinds,
            no_progress_days,
        }) => {
            let kinds = crate::graphql::parse_enum_names::<crate::domain::alerts::AlertKind>(&kinds)
                .map_err(|e| anyhow::anyhow!("--kinds: {e}"))?;
            let as_of = as_of.unwrap_or_else(crate::domain::calendar::today);
            let db = open_migrated(&cli.database_url).await?;
            let alerts =
                crate::service::alerts::alerts(&db, &Actor::system(), &region, &kinds, as_of, no_progress_days)
                    .await
                    .map_err(explain)?;
            let department_ids: Vec<i64> = alerts.iter().filter_map(|a| a.department_id).collect();
            let departments: std::collections::HashMap<i64, String> =
                crate::service::departments::by_ids(&db, &department_ids)
                    .await
                    .map_err(explain)?
                    .into_iter()
                    .map(|d| (d.id, d.name))
                    .collect();
            let codes: Vec<String> = alerts.iter().filter_map(|a| a.region_code.clone()).collect();
            let places: std::collections::HashMap<String, String> = crate::service::regions::by_codes(&db, &codes)
                .await
                .map_err(explain)?
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect();
            println!("逾期预警 {region} as of {as_of}: {}", alerts.len());
            for alert in &alerts {
                let unit = match (alert.department_id, &alert.region_code) {
                    (Some(id), _) => departments.get(&id).cloned().unwrap_or_default(),
                    (None, Some(code)) => places.get(code).cloned().unwrap_or_else(|| code.clone()),
                    (None, None) => String::new(),
                };
                println!(
                    "{}\t{} days\tdue {}\t{unit}\t{}",
                    alert.kind.chinese_name(),
                    alert.days_overdue,
                    alert.due_on,
                    alert.describe()
                );
            }
            Ok(())
        }
        Some(Command::Regions {
            action: RegionsCommand::Import { file },
        }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let db = open_migrated(&cli.database_url).await?;
            let progress = |done: usize, total: usize| {
                if done.is_multiple_of(500) || done == total {
                    eprint!("\rimporting regions: {done}/{total}");
                    let _ = std::io::stderr().flush();
                }
            };
            let summary = regions::import_csv(&db, &Actor::system(), &text, &progress)
                .await
                .map_err(explain)?;
            eprintln!();
            println!(
                "imported {}: {} created, {} updated, {} unchanged",
                file.display(),
                summary.created,
                summary.updated,
                summary.unchanged
            );
            Ok(())
        }
    }
}

async fn open_migrated(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = db::connect(url, 1).await?;
    startup::migrate(&db).await?;
    Ok(db)
}

/// A service failure as a message for the operator.
fn explain(err: ServiceError) -> anyhow::Error {
    match err {
        ServiceError::Rejected(faults) => {
            anyhow!(faults.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n"))
        }
        other => anyhow!(other),
    }
}

async fn serve(database_url: &str, pool: u32, args: ServeArgs) -> anyhow::Result<()> {
    let tokens = startup::tokens(&args)?;
    let statement_timeout = std::time::Duration::from_millis(args.statement_timeout_ms.max(1));
    let db = db::connect_with(database_url, pool, Some(statement_timeout)).await?;
    if args.no_migrate {
        tracing::info!("migrations skipped (--no-migrate)");
    } else {
        startup::migrate(&db).await?;
    }
    if args.demo {
        if demo::database_is_empty(&db).await.map_err(explain)? {
            demo::seed(&db).await.map_err(explain)?;
            tracing::info!(
                "loaded the demo county 示范县; sign in as admin, coordinator, finance, transport, water, health, power, education, telecom, township or inspector with password {}",
                demo::PASSWORD
            );
        } else {
            tracing::info!("--demo: the database already has users, so no demo data was loaded");
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(
        "serving on http://{} (GraphiQL at /, API at /graphql) with the database at {}",
        args.listen,
        db::redact(database_url)
    );
    if let Some(address) = args.metrics_listen {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen for metrics on {address}"))?;
        tracing::info!("metrics on http://{address}/metrics");
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(e) = startup::serve_metrics(listener, db).await {
                tracing::error!(error = %e, "the metrics address stopped");
            }
        });
    }
    let stopping = startup::Stopping::of(&args);
    startup::serve(
        listener,
        startup::app(db, tokens, &args),
        stopping,
        startup::shutdown_signal(),
    )
    .await
}

async fn user(database_url: &str, action: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        username,
        role,
        region,
        department,
        display_name,
        password,
    } = action;
    let role: Role = role.to_ascii_uppercase().parse().map_err(|e: String| anyhow!(e))?;
    let password = match password {
        Some(p) => p,
        None => {
            eprint!("password for {username}: ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let db = open_migrated(database_url).await?;
    let system = Actor::system();
    let department_id = match department {
        None => None,
        Some(name) => {
            let found = departments::find_by_name(&db, &name).await.map_err(explain)?;
            match found.as_slice() {
                [one] => Some(one.id),
                [] => bail!("there is no department named {name}"),
                _ => bail!("several counties have a department named {name}; rename one first"),
            }
        }
    };
    let created = users::create(
        &db,
        &system,
        users::UserInput {
            username,
            display_name,
            password,
            role,
            region_code: region,
            department_id,
        },
    )
    .await
    .map_err(explain)?;
    println!(
        "created user {} ({}) in region {}",
        created.username, created.role, created.region_code
    );
    Ok(())
}

fn enum_list<T: async_graphql::resolver_utils::EnumType + Copy>(raw: Option<&str>) -> anyhow::Result<Vec<T>> {
    crate::graphql::parse_enum_names(raw.unwrap_or("")).map_err(|m| anyhow!("--group-by: {m}"))
}

/// `tracker import`: a template, or a file imported as a user, with a progress bar.
async fn import(database_url: &str, args: crate::config::ImportArgs) -> anyhow::Result<()> {
    use crate::domain::import::{Kind, Mode};
    use crate::service::imports::{self, Upload, sheets};
    let kind_named = |name: &str| {
        Kind::parse(name).ok_or_else(|| {
            let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            anyhow!("import {}, not `{name}`", kinds.join(", "))
        })
    };
    if args.kind == "template" {
        let kind = kind_named(&args.file)?;
        let out = args
            .out
            .unwrap_or_else(|| format!("{}-template.xlsx", kind.as_str()).into());
        std::fs::write(&out, sheets::template(kind).map_err(|e| anyhow!(e))?)?;
        println!("wrote the {} template to {}", kind.chinese_name(), out.display());
        return Ok(());
    }
    let exporting = args.kind == "export";
    let kind = kind_named(if exporting { &args.file } else { &args.kind })?;
    let username = args.user.ok_or_else(|| {
        anyhow!("say whose rows they are: --user USERNAME (their role and area decide what may be imported)")
    })?;
    let db = open_migrated(database_url).await?;
    let user = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::app_user::Entity::find()
            .filter(entity::app_user::Column::Username.eq(username.as_str()))
            .one(&db)
            .await?
            .ok_or_else(|| anyhow!("there is no user {username}"))?
    };
    if user.disabled {
        return Err(anyhow!("the account {username} is disabled"));
    }
    let actor = crate::service::auth::actor_of(&user)?;
    if exporting {
        let county = imports::books::county_named(&actor, None).map_err(|e| anyhow!("{e}"))?;
        let rows = imports::books::rows(&db, &actor, kind, &county)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let out = args
            .out
            .unwrap_or_else(|| format!("{county}-{}.xlsx", kind.as_str()).into());
        std::fs::write(&out, sheets::books(kind, &rows).map_err(|e| anyhow!(e))?)?;
        println!(
            "wrote {} rows of {} to {}",
            rows.len(),
            kind.chinese_name(),
            out.display()
        );
        return Ok(());
    }
    let bytes = std::fs::read(&args.file).map_err(|e| anyhow!("{}: {e}", args.file))?;
    let mode = if args.dry_run {
        Mode::DryRun
    } else if args.partial {
        Mode::Partial
    } else {
        Mode::All
    };
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("{} {}", kind.chinese_name(), args.file));
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let file_name = std::path::Path::new(&args.file)
        .file_name()
        .map_or_else(|| args.file.clone(), |n| n.to_string_lossy().into_owned());
    let upload = Upload {
        kind,
        file_name: &file_name,
        bytes: &bytes,
        mode,
    };
    let run = imports::run(&db, &actor, upload, &progress)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();
    let body = imports::report_of(&run).map_err(|e| anyhow!("{e}"))?;
    if let Some(problem) = &run.problem {
        return Err(anyhow!("{}: {problem}", args.file));
    }
    for row in body.rows.iter().filter(|r| !r.errors.is_empty()) {
        for e in &row.errors {
            let column = e.heading.as_deref().map(|h| format!(" [{h}]")).unwrap_or_default();
            println!("line {}{column}: {} — {}", row.line, row.status.as_str(), e.message);
        }
    }
    let verdict = match (mode, run.committed) {
        (Mode::DryRun, _) => "dry run: nothing written",
        (_, true) if run.rows_written == 0 => "nothing new to write",
        (_, true) => "written",
        (_, false) => "nothing written: every row must pass (or use --partial)",
    };
    println!(
        "import {}: {} rows — {} to write, {} unchanged, {} in conflict, {} refused; {verdict}",
        run.id,
        run.rows_total,
        body.rows
            .iter()
            .filter(|r| r.status == crate::domain::import::RowStatus::Accepted)
            .count(),
        run.rows_unchanged,
        run.rows_conflicting,
        run.rows_refused
    );
    if let Some(path) = args.report {
        std::fs::write(&path, sheets::report(&body).map_err(|e| anyhow!(e))?)?;
        println!("the report is in {}", path.display());
    }
    if run.rows_refused + run.rows_conflicting > 0 && !run.committed && mode != Mode::DryRun {
        std::process::exit(1);
    }
    Ok(())
}

async fn export(database_url: &str, args: crate::config::ExportArgs) -> anyhow::Result<()> {
    use crate::service::exports::{self, ExportFormat, ExportKind, ExportParams, Unit};
    let kind = ExportKind::parse(&args.kind).ok_or_else(|| {
        anyhow!(
            "export projects, journal, fund-utilization, construction-progress, assessment, exit-register or gap-list, not `{}`",
            args.kind
        )
    })?;
    let format =
        ExportFormat::parse(&args.format).ok_or_else(|| anyhow!("the format is xlsx or csv, not `{}`", args.format))?;
    let unit = Unit::parse(&args.unit).ok_or_else(|| anyhow!("the unit is yuan or wan, not `{}`", args.unit))?;
    let params = ExportParams {
        year: args.year,
        region_code: args.region.clone(),
        as_of: args.as_of,
        fund_group_by: if kind == ExportKind::FundUtilization {
            enum_list(args.group_by.as_deref())?
        } else {
            Vec::new()
        },
        progress_group_by: if kind == ExportKind::ConstructionProgress {
            enum_list(args.group_by.as_deref())?
        } else {
            Vec::new()
        },
        project_filter: Default::default(),
        journal_filter: crate::service::journal::JournalFilter {
            region_code: args.region,
            year: args.year,
            date_from: args.from,
            date_to: args.to,
            ..Default::default()
        },
        journal_order: Default::default(),
        unit,
        quarter: args.quarter,
        assessed: crate::graphql::parse_enum_names(args.by.as_deref().unwrap_or(""))
            .map_err(|m| anyhow!("--by: {m}"))?
            .into_iter()
            .next(),
    };
    let db = open_migrated(database_url).await?;
    let table = exports::build(&db, &Actor::system(), kind, &params)
        .await
        .map_err(explain)?;
    let bytes = match format {
        ExportFormat::Xlsx => exports::to_xlsx(&table, chrono::Utc::now()),
        ExportFormat::Csv => exports::to_csv(&table),
    }
    .map_err(explain)?;
    std::fs::write(&args.out, bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote {} rows to {}", table.rows.len(), args.out.display());
    Ok(())
}

/// Generates counties one after another, showing progress on standard error.
async fn generate(
    db: &sea_orm::DatabaseConnection,
    counties: &[crate::domain::region::RegionCode],
    projects: usize,
    seed: u64,
) -> anyhow::Result<()> {
    use crate::seed::generate::{self, CountyShape};
    let default = CountyShape::default();
    let scale = |n: usize| n * projects / default.projects;
    let shape = CountyShape {
        projects,
        allocations: scale(default.allocations),
        disbursements: scale(default.disbursements),
        progress_reports: scale(default.progress_reports),
        ..default
    };
    let started = std::time::Instant::now();
    for (i, code) in counties.iter().enumerate() {
        let label = format!("county {}/{} ({code})", i + 1, counties.len());
        let progress = |phase: &str, done: usize, total: usize| {
            eprint!("\r{label}: {phase} {done}/{total}          ");
            let _ = std::io::stderr().flush();
        };
        let made = generate::county(db, code, shape, seed, &progress)
            .await
            .map_err(explain)?;
        eprintln!(
            "\r{label}: {} regions, {} projects, {} events, {} ledger entries, {} progress reports ({:.0?} so far)",
            made.regions,
            made.projects,
            made.events,
            made.ledger_entries,
            made.progress_reports,
            started.elapsed()
        );
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Fresh bulk data has no statistics and no visibility map: the planner and the
        // index-only scans of the rollups need both.
        eprintln!("VACUUM ANALYZE…");
        sea_orm::ConnectionTrait::execute_unprepared(db, "VACUUM ANALYZE").await?;
    }
    println!("generated {} counties in {:.1?}", counties.len(), started.elapsed());
    Ok(())
}
