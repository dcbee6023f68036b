//! The demo county (示范县): a fictional county shaped like the report in DESIGN §1, so a
//! new user can try every query. Its codes start with 99, which no real province uses,
//! so demo data never mixes with real data.
use super::departments::{self, DepartmentInput};
use super::users::{self, UserInput};
use super::{ServiceResult, regions};
use crate::domain::access::{Actor, Role};
use crate::domain::department::DepartmentKind;
use crate::domain::sector::Sector;
use entity::{app_user, region};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

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

/// Loads the demo county, its departments and one user per role. Does nothing if the
/// demo county is already there.
pub async fn seed(db: &DatabaseConnection) -> ServiceResult<SeedOutcome> {
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
