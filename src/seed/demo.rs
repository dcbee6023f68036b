//! The demo county (示范县): a fictional county shaped like the report in DESIGN §1, so a
//! new user can try every query. Its codes start with 99, which no real province uses,
//! so demo data never mixes with real data.
use crate::domain::access::{Actor, Role};
use crate::domain::calendar;
use crate::domain::category::ProjectCategory;
use crate::domain::department::DepartmentKind;
use crate::domain::funds::{FundKind, FundLevel};
use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus, Who};
use crate::domain::money::Money;
use crate::domain::project::{AcceptanceGrade, Beneficiaries, ConstructionNature, PreparationMilestone};
use crate::domain::sector::Sector;
use crate::service::departments::{self, DepartmentInput};
use crate::service::projects::{self, ProjectInput, TargetInput, TransitionDetails};
use crate::service::users::{self, UserInput};
use crate::service::{ServiceError, ServiceResult, negative_list, regions};
use chrono::{Datelike, NaiveDate};
use entity::project as project_entity;
use entity::{app_user, department, region};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

pub const PROVINCE: &str = "990000000000";
pub const CITY: &str = "990100000000";
pub const COUNTY: &str = "990101000000";
pub const FIRST_TOWNSHIP: &str = "990101001000";
/// Every demo user's password.
pub const PASSWORD: &str = "demo1234";

const TOWNSHIPS: [&str; 10] = [
    "城关镇",
    "东风镇",
    "红星镇",
    "青山镇",
    "河口镇",
    "石门镇",
    "龙泉镇",
    "新华镇",
    "太平镇",
    "白云镇",
];
const VILLAGES_PER_TOWNSHIP: usize = 15;
const VILLAGE_FIRST: [&str; 15] = [
    "大", "小", "新", "老", "东", "西", "南", "北", "上", "下", "前", "后", "高", "中", "柳",
];
const VILLAGE_SECOND: [&str; 10] = ["河", "山", "湾", "坪", "沟", "庄", "岭", "坝", "塬", "岔"];

/// The departments: (name, kind, sectors, demo username).
const DEPARTMENTS: [(&str, DepartmentKind, &[Sector], Option<&str>); 10] = [
    (
        "示范县交通运输局",
        DepartmentKind::Sector,
        &[Sector::Road],
        Some("transport"),
    ),
    (
        "示范县水利局",
        DepartmentKind::Sector,
        &[Sector::DrinkingWater],
        Some("water"),
    ),
    (
        "示范县卫生健康局",
        DepartmentKind::Sector,
        &[Sector::Clinic],
        Some("health"),
    ),
    (
        "示范县供电公司",
        DepartmentKind::Sector,
        &[Sector::PowerGrid],
        Some("power"),
    ),
    (
        "示范县教育局",
        DepartmentKind::Sector,
        &[Sector::Education],
        Some("education"),
    ),
    (
        "示范县通信发展办公室",
        DepartmentKind::Sector,
        &[Sector::Telecom],
        Some("telecom"),
    ),
    ("示范县农业农村局", DepartmentKind::Sector, &[Sector::Industry], None),
    (
        "示范县住房和城乡建设局",
        DepartmentKind::Sector,
        &[Sector::Housing],
        None,
    ),
    (
        "示范县扶贫开发办公室",
        DepartmentKind::PovertyOffice,
        &[Sector::Other],
        None,
    ),
    ("示范县财政局", DepartmentKind::FinanceBureau, &[], None),
];

/// The demo users other than the department ones: (username, display name, role, region, department name).
const OTHER_USERS: [(&str, &str, Role, &str, Option<&str>); 5] = [
    ("admin", "系统管理员", Role::Admin, PROVINCE, None),
    (
        "coordinator",
        "县扶贫办统筹员",
        Role::Coordinator,
        COUNTY,
        Some("示范县扶贫开发办公室"),
    ),
    ("finance", "县财政局会计", Role::Finance, COUNTY, Some("示范县财政局")),
    ("township", "城关镇申报员", Role::Township, FIRST_TOWNSHIP, None),
    ("inspector", "县督查室督查员", Role::Inspector, COUNTY, None),
];

/// The region tree as the CSV that `regions import` takes.
pub fn regions_csv() -> String {
    let mut csv = String::from("code,name,is_poverty_village,poor_households,poor_people\n");
    csv.push_str(&format!(
        "{PROVINCE},演示省,false,0,0\n{CITY},演示市,false,0,0\n{COUNTY},示范县,false,0,0\n"
    ));
    let mut village_index = 0;
    for (t, township) in TOWNSHIPS.iter().enumerate() {
        let township_code = format!("990101{:03}000", t + 1);
        csv.push_str(&format!("{township_code},{township},false,0,0\n"));
        for v in 0..VILLAGES_PER_TOWNSHIP {
            let name = format!(
                "{}{}村",
                VILLAGE_FIRST[village_index % VILLAGE_FIRST.len()],
                VILLAGE_SECOND[village_index / VILLAGE_FIRST.len()]
            );
            // A third of the villages are poverty villages (建档立卡贫困村), and they hold
            // most of the registered poor; every village has some.
            let poverty = village_index % 3 == 0;
            let households = if poverty {
                40 + (village_index * 7) % 60
            } else {
                3 + village_index % 12
            };
            let people = households * 3 + village_index % 5;
            csv.push_str(&format!(
                "990101{:03}{:03},{name},{poverty},{households},{people}\n",
                t + 1,
                v + 1
            ));
            village_index += 1;
        }
    }
    csv
}

/// What `seed` did.
#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded {
        regions: usize,
        departments: usize,
        users: usize,
    },
    AlreadyPresent,
}

/// Loads the demo county: its regions, departments, one user per role, and projects in
/// every state and sector for this year and the last, with a year of fund lines, receipts,
/// allocations, disbursements and an approved annual plan for each; and its supervision
/// (`supervision`): a feedback batch of problems, the monthly three lists, a scoring
/// scheme; and its villages' exit register and gap list (`exit`). Does nothing if the demo
/// county is already there.
pub async fn seed(db: &DatabaseConnection) -> ServiceResult<SeedOutcome> {
    let outcome = seed_directory(db).await?;
    if let SeedOutcome::Seeded { .. } = outcome {
        let today = calendar::today();
        seed_projects(db, today).await?;
        seed_funds(db, today).await?;
        super::supervision::seed(db, today).await?;
        super::exit::seed(db, today).await?;
        super::disclosure::seed(db, COUNTY, today).await?;
    }
    Ok(outcome)
}

/// Loads the demo county's regions, departments and users, without projects.
pub async fn seed_directory(db: &DatabaseConnection) -> ServiceResult<SeedOutcome> {
    if region::Entity::find_by_id(COUNTY).one(db).await?.is_some() {
        return Ok(SeedOutcome::AlreadyPresent);
    }
    let system = Actor::system();
    let summary = regions::import_csv(db, &system, &regions_csv(), &|_, _| {}).await?;
    let mut department_ids = Vec::new();
    for (name, kind, sectors, _) in DEPARTMENTS {
        let dept = departments::create(
            db,
            &system,
            DepartmentInput {
                county_code: COUNTY.into(),
                name: name.into(),
                kind,
                sectors: sectors.to_vec(),
            },
        )
        .await?;
        department_ids.push((name, dept.id));
    }
    let id_of = |wanted: &str| {
        department_ids
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, id)| *id)
    };
    let mut users_created = 0;
    for (name, _, _, username) in DEPARTMENTS {
        if let Some(username) = username {
            users::create(
                db,
                &system,
                UserInput {
                    username: username.into(),
                    display_name: Some(format!("{name}经办人")),
                    password: PASSWORD.into(),
                    role: Role::Department,
                    region_code: None,
                    department_id: id_of(name),
                },
            )
            .await?;
            users_created += 1;
        }
    }
    for (username, display, role, region, department) in OTHER_USERS {
        users::create(
            db,
            &system,
            UserInput {
                username: username.into(),
                display_name: Some(display.into()),
                password: PASSWORD.into(),
                role,
                region_code: Some(region.into()),
                department_id: department.and_then(id_of),
            },
        )
        .await?;
        users_created += 1;
    }
    // The county's own negative list, beside the national one: its matching money pays no
    // debts and no administration.
    for category in [ProjectCategory::DebtRepayment, ProjectCategory::AdministrativeCost] {
        negative_list::add(
            db,
            &system,
            negative_list::EntryInput {
                county_code: COUNTY.into(),
                category,
                fund_kind: FundKind::CountyMatching,
                source: "示财〔2026〕3号《示范县县本级扶贫配套资金管理办法》".into(),
                note: None,
            },
        )
        .await?;
    }
    Ok(SeedOutcome::Seeded {
        regions: summary.created,
        departments: department_ids.len(),
        users: users_created,
    })
}

/// Whether the database has no accounts yet — the only time `serve --demo` seeds, so
/// demo passwords never appear in a deployment that has real users.
pub async fn database_is_empty(db: &DatabaseConnection) -> ServiceResult<bool> {
    Ok(app_user::Entity::find().count(db).await? == 0)
}

/// How many demo projects each sector gets per year; with 9 sectors that is 36 a year,
/// enough for every one of the 11 states to appear at least three times.
const PROJECTS_PER_SECTOR: usize = 4;

/// A plausible planned quantity (in the sector's unit) and budget (yuan) for a demo project.
fn demo_size(sector: Sector, n: usize) -> (Decimal, Decimal) {
    let n = n as i64;
    match sector {
        Sector::Road => (Decimal::new(35 + 12 * n, 1), Decimal::new(1_200_000 + 310_000 * n, 0)),
        Sector::DrinkingWater => (Decimal::new(1 + n % 3, 0), Decimal::new(450_000 + 120_000 * n, 0)),
        Sector::Clinic => (Decimal::ONE, Decimal::new(300_000 + 20_000 * n, 0)),
        Sector::PowerGrid => (Decimal::new(60 + 25 * n, 1), Decimal::new(800_000 + 150_000 * n, 0)),
        Sector::Education => (Decimal::ONE, Decimal::new(2_500_000 + 400_000 * n, 0)),
        Sector::Telecom => (Decimal::ONE, Decimal::new(350_000 + 50_000 * n, 0)),
        Sector::Industry => (Decimal::ONE, Decimal::new(600_000 + 90_000 * n, 0)),
        Sector::Housing => (Decimal::new(20 + 8 * n, 0), Decimal::new(700_000 + 280_000 * n, 0)),
        Sector::Other => (Decimal::ONE, Decimal::new(200_000 + 30_000 * n, 0)),
    }
}

/// Demo projects for `today`'s year and the year before, in every state and sector, moved
/// through the lifecycle by the users the table names (synthetic clerks where the demo
/// has no user for a township or department).
pub async fn seed_projects(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<usize> {
    let departments = department::Entity::find()
        .filter(department::Column::CountyCode.eq(COUNTY))
        .all(db)
        .await?;
    let coordinator = demo_actor(db, "coordinator").await?;
    let mut created = 0;
    for year in [today.year() - 1, today.year()] {
        for (s, sector) in Sector::ALL.into_iter().enumerate() {
            let department = departments
                .iter()
                .find(|d| crate::service::departments::sectors_of(d).contains(&sector))
                .ok_or_else(|| ServiceError::Internal(format!("no demo department handles {sector:?}")))?;
            for k in 0..PROJECTS_PER_SECTOR {
                let n = s * PROJECTS_PER_SECTOR + k;
                let status = ProjectStatus::ALL[(n + year as usize) % ProjectStatus::ALL.len()];
                let township = (n % TOWNSHIPS.len()) + 1;
                let township_actor = township_actor(db, township).await?;
                let department_actor = department_actor(db, department).await?;
                // One or two villages, the first a poverty village (every third is one).
                let first_village = 1 + 3 * (k % 5);
                let mut villages = vec![format!("990101{township:03}{first_village:03}")];
                if k % 2 == 1 {
                    villages.push(format!("990101{township:03}{:03}", first_village + 1));
                }
                let (quantity, budget) = demo_size(sector, k);
                let start = NaiveDate::from_ymd_opt(year, 3 + (k as u32 % 4), 1 + (n as u32 % 27))
                    .unwrap_or(today)
                    .min(today);
                let households = 40 + 13 * n as i32 % 90;
                let input = ProjectInput {
                    name: format!(
                        "{}{}{}",
                        TOWNSHIPS[township - 1],
                        sector.chinese_name(),
                        ["新建工程", "提升工程", "改造工程", "配套工程"][k]
                    ),
                    sector,
                    category: None,
                    year,
                    village_codes: villages,
                    nature: [
                        ConstructionNature::New,
                        ConstructionNature::Renovation,
                        ConstructionNature::Continued,
                    ][k % 3],
                    content: format!("{}{}{}", sector.chinese_name(), quantity, sector.unit()),
                    planned_quantity: quantity,
                    budget,
                    beneficiaries: Beneficiaries {
                        households,
                        people: households * 3 + 7,
                        poor_households: households / 3,
                        poor_people: households / 3 * 3,
                    },
                    performance_targets: vec![TargetInput {
                        indicator: format!("{}建设任务", sector.chinese_name()),
                        unit: sector.unit().to_string(),
                        target: quantity,
                    }],
                    planned_start: Some(start),
                    planned_finish: NaiveDate::from_ymd_opt(year, 11, 30),
                    created_on: Some(demo_day(ProjectAction::Create, start, start, today)),
                };
                let mut project = projects::create(db, &township_actor, input).await?;
                let mut day = demo_day(ProjectAction::Create, start, start, today);
                for action in lifecycle::path_to(status) {
                    day = demo_day(action, start, day, today);
                    let row = lifecycle::transition(projects::status_of(&project)?, action)
                        .ok_or_else(|| ServiceError::Internal(format!("demo path takes {action:?} illegally")))?;
                    let actor = match row.who {
                        Who::Role(Role::Township) => &township_actor,
                        Who::AssignedDepartment => &department_actor,
                        Who::Role(_) => &coordinator,
                    };
                    let details = TransitionDetails {
                        comment: matches!(action, ProjectAction::Reject | ProjectAction::Cancel)
                            .then(|| "与已有项目重复".to_string()),
                        department_id: Some(department.id),
                        deadline: Some(day + chrono::Duration::days(30)),
                        milestone: Some(PreparationMilestone::Design),
                        date: Some(day),
                        final_quantity: Some(quantity),
                        grade: Some(if k % 2 == 0 {
                            AcceptanceGrade::Qualified
                        } else {
                            AcceptanceGrade::Excellent
                        }),
                        correction: false,
                    };
                    super::disclosure::notice_for_step(db, &coordinator, &project, action, day).await?;
                    project = projects::transition(db, actor, project.id, project.version, action, details).await?;
                }
                if status == ProjectStatus::UnderConstruction {
                    // Two fifths built, as the department last reported (whole units but for 公里).
                    let mut milli = project.planned_quantity_milli * 2 / 5;
                    if sector.unit() != "公里" {
                        milli -= milli % 1000;
                    }
                    let built = Decimal::new(milli, 3);
                    let report = crate::service::progress::ProgressInput {
                        project_id: project.id,
                        expected_version: project.version,
                        completed_quantity: built,
                        invested_amount: Money::from_fen(project.budget_fen * 2 / 5).to_yuan(),
                        reported_on: today.min(start + chrono::Duration::days(60)),
                        note: Some("按计划推进".into()),
                        correction: false,
                        confirm_above_plan: false,
                    };
                    crate::service::progress::create(db, &department_actor, report).await?;
                }
                created += 1;
            }
        }
    }
    Ok(created)
}

pub(super) async fn demo_actor(db: &DatabaseConnection, username: &str) -> ServiceResult<Actor> {
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("demo user {username} is missing")))?;
    crate::service::auth::actor_of(&user)
}

/// Sets a version of the demo county's plan (the lines and sectors named, the rest kept
/// from the version before) with its 文号 and reason, and approves it on `approved_on`.
#[allow(clippy::too_many_arguments)] // a plan version is this many things; a struct for one caller would only rename them
async fn plan_version(
    db: &DatabaseConnection,
    coordinator: &Actor,
    year: i32,
    fund_lines: Vec<(i64, Decimal)>,
    sectors: Vec<(Sector, Decimal, i32)>,
    projects: Vec<(i64, Option<i64>, Option<Decimal>)>,
    (document_no, reason): (String, Option<String>),
    approved_on: NaiveDate,
) -> ServiceResult<()> {
    let input = crate::service::plans::PlanInput {
        county_code: COUNTY.into(),
        year,
        version: None,
        fund_lines,
        sectors,
        projects,
        remove_projects: vec![],
        remove_fund_lines: vec![],
        remove_sectors: vec![],
        document_no: Some(document_no),
        reason,
    };
    let plan = crate::service::plans::set(db, coordinator, input).await?;
    crate::service::plans::approve(db, coordinator, COUNTY, year, plan.plan.version, Some(approved_on)).await?;
    Ok(())
}

/// The day a demo project takes `action` (`previous` is its last step's day): weeks of
/// application and assignment before construction starts on `start`, completion four
/// months later, acceptance a fortnight after — never before `previous`, never after today.
fn demo_day(action: ProjectAction, start: NaiveDate, previous: NaiveDate, today: NaiveDate) -> NaiveDate {
    let days_from_start = match action {
        ProjectAction::Create => -70,
        ProjectAction::Update => -65,
        ProjectAction::Submit => -60,
        ProjectAction::Return => -55,
        ProjectAction::Reject => -50,
        ProjectAction::Approve => -45,
        ProjectAction::Assign => -40,
        ProjectAction::Decline => -37,
        ProjectAction::Claim => -35,
        ProjectAction::RecordPreparation => -20,
        ProjectAction::StartConstruction | ProjectAction::ReportProgress => 0,
        ProjectAction::Complete => 120,
        ProjectAction::Accept | ProjectAction::FailAcceptance => 135,
        ProjectAction::Cancel => return (previous + chrono::Duration::days(10)).min(today),
    };
    (start + chrono::Duration::days(days_from_start))
        .max(previous)
        .min(today)
}

/// The demo user of township `n` (1-based), or a clerk standing in for one.
pub(super) async fn township_actor(db: &DatabaseConnection, n: usize) -> ServiceResult<Actor> {
    if n == 1 {
        return demo_actor(db, "township").await;
    }
    let code = crate::domain::region::RegionCode::parse(&format!("990101{n:03}000")).map_err(ServiceError::Internal)?;
    Ok(Actor {
        user_id: None,
        username: "demo".into(),
        role: Role::Township,
        scope: crate::domain::access::Scope::Subtree(code),
        department_id: None,
    })
}

/// The demo user of a department, or a clerk standing in for one.
pub(super) async fn department_actor(db: &DatabaseConnection, department: &department::Model) -> ServiceResult<Actor> {
    let user = app_user::Entity::find()
        .filter(app_user::Column::DepartmentId.eq(department.id))
        .filter(app_user::Column::Role.eq(Role::Department.as_str()))
        .one(db)
        .await?;
    match user {
        Some(user) => crate::service::auth::actor_of(&user),
        None => Ok(Actor {
            user_id: None,
            username: "demo".into(),
            role: Role::Department,
            scope: crate::domain::access::Scope::Subtree(
                crate::domain::region::RegionCode::parse(COUNTY).map_err(ServiceError::Internal)?,
            ),
            department_id: Some(department.id),
        }),
    }
}

/// The demo fund lines of a year: (name, kind, level, planned yuan).
const FUND_LINES: [(&str, FundKind, FundLevel, i64); 10] = [
    (
        "中央财政专项扶贫资金",
        FundKind::IntegratedAgricultural,
        FundLevel::Central,
        6_800_000,
    ),
    (
        "省级财政专项扶贫资金",
        FundKind::IntegratedAgricultural,
        FundLevel::Provincial,
        3_200_000,
    ),
    (
        "市级财政扶贫资金",
        FundKind::IntegratedAgricultural,
        FundLevel::Municipal,
        1_000_000,
    ),
    ("县本级配套资金", FundKind::CountyMatching, FundLevel::County, 3_000_000),
    (
        "农发行政策性扶贫贷款",
        FundKind::PolicyLoan,
        FundLevel::Provincial,
        8_000_000,
    ),
    ("卫生健康行业资金", FundKind::Sector, FundLevel::Provincial, 1_500_000),
    ("教育行业资金", FundKind::Sector, FundLevel::Provincial, 5_000_000),
    ("东西部协作资金", FundKind::EastWest, FundLevel::Municipal, 2_000_000),
    ("社会帮扶资金", FundKind::Social, FundLevel::County, 800_000),
    ("群众自筹资金", FundKind::SelfRaised, FundLevel::County, 400_000),
];

/// Which demo fund line (index into `FUND_LINES`) pays for a sector's projects.
fn line_for(sector: Sector) -> usize {
    match sector {
        Sector::Road | Sector::Industry => 0,
        Sector::DrinkingWater => 1,
        Sector::Other => 2,
        Sector::Housing => 3,
        Sector::PowerGrid => 4,
        Sector::Clinic => 5,
        Sector::Education => 6,
        Sector::Telecom => 7,
    }
}

/// A year of money for the demo county: fund lines of every kind, receipts of most of
/// the plan, allocations to the year's approved projects and payments by how far each
/// has got — then an approved annual plan with the sectors' targets.
pub async fn seed_funds(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<()> {
    use crate::service::funds::{self, AllocationInput, DisbursementInput, FundLineInput, ReceiptInput};
    let finance = demo_actor(db, "finance").await?;
    let coordinator = demo_actor(db, "coordinator").await?;
    for year in [today.year() - 1, today.year()] {
        let mut lines = Vec::new();
        for (i, (name, kind, level, planned)) in FUND_LINES.into_iter().enumerate() {
            let line = funds::create_line(
                db,
                &finance,
                FundLineInput {
                    county_code: COUNTY.into(),
                    year,
                    name: format!("{year}年{name}"),
                    kind,
                    level,
                    planned: Decimal::new(planned, 0),
                    poverty_targeted: None,
                },
            )
            .await?;
            // Most of the plan arrives, in two or three instalments.
            let share = [92, 88, 75, 85, 60, 100, 90, 80, 95, 100][i];
            let instalments = [(3u32, 50i64), (6, 30), (9, 20)];
            for (n, (month, part)) in instalments.into_iter().enumerate() {
                let Some(date) = NaiveDate::from_ymd_opt(year, month, 10 + n as u32).filter(|d| *d <= today) else {
                    continue;
                };
                let amount = Decimal::new(planned * share * part, 4);
                funds::record_receipt(
                    db,
                    &finance,
                    ReceiptInput {
                        fund_line_id: line.id,
                        amount,
                        date,
                        document_no: format!("示财农〔{year}〕{}号", 10 * i + n + 1),
                        note: None,
                        confirm_duplicate: false,
                    },
                )
                .await?;
            }
            lines.push(line);
        }
        let year_projects = project_entity::Entity::find()
            .filter(project_entity::Column::CountyCode.eq(COUNTY))
            .filter(project_entity::Column::Year.eq(year))
            .all(db)
            .await?;
        let mut targets: Vec<(Sector, i64, i32)> = Vec::new();
        let mut planned_projects = Vec::new();
        for project in &year_projects {
            let status = projects::status_of(project)?;
            let sector = projects::sector_of(project)?;
            if crate::domain::funds::check_allocatable(status).is_err() {
                continue;
            }
            match targets.iter_mut().find(|(s, _, _)| *s == sector) {
                Some(t) => {
                    t.1 += project.planned_quantity_milli;
                    t.2 += 1;
                }
                None => targets.push((sector, project.planned_quantity_milli, 1)),
            }
            let line = &lines[line_for(sector)];
            // Allocated when the project is due to start, once the first instalment is in,
            // and no more than the line holds unallocated from that day on.
            let first_receipt = NaiveDate::from_ymd_opt(year, 3, 10).unwrap_or(today);
            let date = project.planned_start.unwrap_or(today).max(first_receipt).min(today);
            let movements = funds::line_movements(db, line.id, date).await?;
            let (free, _) = crate::domain::funds::lowest_balance_from(&movements, date);
            let amount = (project.budget_fen * 8 / 10).min(free.fen());
            if amount <= 0 {
                continue;
            }
            // 整合方案: the plan lists each project with what its line gives it.
            planned_projects.push((project.id, Some(line.id), Some(Money::from_fen(amount).to_yuan())));
            let allocation = funds::allocate(
                db,
                &finance,
                AllocationInput {
                    fund_line_id: line.id,
                    project_id: project.id,
                    amount: Money::from_fen(amount).to_yuan(),
                    date,
                    note: None,
                    confirm_above_budget: false,
                    outside_plan: false,
                },
            )
            .await?;
            let paid_share = match status {
                ProjectStatus::UnderConstruction => 40,
                ProjectStatus::Completed => 80,
                ProjectStatus::Accepted => 97,
                _ => 0,
            };
            if paid_share > 0 {
                let paid_on = project.actual_start.unwrap_or(date).max(date).min(today);
                funds::disburse(
                    db,
                    &finance,
                    DisbursementInput {
                        allocation_id: allocation.id,
                        amount: Money::from_fen(amount * paid_share / 100).to_yuan(),
                        date: paid_on,
                        voucher_no: format!("记-{year}-{:04}", allocation.id),
                        is_retention: false,
                        early_release_reason: None,
                        note: None,
                        confirm_duplicate: false,
                    },
                )
                .await?;
            }
            // 质保金: last year's accepted projects had theirs released early after the
            // audit; this year's still hold it back (see `retentionsDue`).
            if status == ProjectStatus::Accepted && year < today.year() {
                funds::disburse(
                    db,
                    &finance,
                    DisbursementInput {
                        allocation_id: allocation.id,
                        amount: Money::from_fen(amount - amount * paid_share / 100).to_yuan(),
                        date: demo_day(ProjectAction::Accept, project.actual_start.unwrap_or(date), date, today),
                        voucher_no: format!("记-{year}-{:04}-质保", allocation.id),
                        is_retention: true,
                        early_release_reason: Some("竣工决算审计完成，经县财政局同意提前退还".into()),
                        note: Some("质保金".into()),
                        confirm_duplicate: false,
                    },
                )
                .await?;
            }
        }
        // The plan: the lines' amounts and each sector's targets, a little above what was
        // approved so the completion rates read like a year in progress; approved in
        // February.
        let to_targets = |rows: &[(Sector, i64, i32)]| -> Vec<(Sector, Decimal, i32)> {
            rows.iter()
                .map(|(sector, milli, count)| {
                    (
                        *sector,
                        crate::domain::quantity::Quantity::from_milli(*milli).to_decimal(),
                        *count,
                    )
                })
                .collect()
        };
        let lines = lines
            .iter()
            .map(|l| (l.id, Money::from_fen(l.planned_fen).to_yuan()))
            .collect();
        let approved_on = NaiveDate::from_ymd_opt(year, 2, 28).unwrap_or(today).min(today);
        let document = (format!("示政发〔{year}〕8号"), None);
        plan_version(
            db,
            &coordinator,
            year,
            lines,
            to_targets(&targets),
            planned_projects,
            document,
            approved_on,
        )
        .await?;
        // 年中调整: in July the county adds road kilometres to the plan (version 2, a copy of
        // version 1 with the road target changed).
        let adjusted_on = NaiveDate::from_ymd_opt(year, 7, 15).unwrap_or(today);
        if let Some((_, milli, count)) = targets.iter().find(|(s, _, _)| *s == Sector::Road)
            && adjusted_on <= today
        {
            let road = to_targets(&[(Sector::Road, milli + milli / 5, count + 1)]);
            let document = (
                format!("示政发〔{year}〕45号"),
                Some("年中调整：新增通村道路建设任务".to_string()),
            );
            plan_version(db, &coordinator, year, vec![], road, vec![], document, adjusted_on).await?;
        }
    }
    Ok(())
}
