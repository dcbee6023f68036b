//! The fund ledger through the HTTP API as the finance user: a year's entries against an
//! independent computation, exact money, every invariant and bad input, reversals, the
//! annual plan's versions, and concurrent allocations that must not overdraw a line.
use crate::fuzz::assert_ledger_invariants;
use crate::helpers::{TestApp, project_at, project_id, spawn_demo_app};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tracker::domain::calendar::china_date;
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

const POVERTY_VILLAGE: &str = "990101001001";
const PLAIN_VILLAGE: &str = "990101001002";
const COUNTY: &str = "990101000000";

fn today() -> String {
    china_date(chrono::Utc::now()).to_string()
}

/// Runs a mutation returning `{ <field> { id …} userErrors }`; returns (object, userErrors).
async fn run(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input_type: &str,
    object: &str,
    input: Value,
) -> (Value, Value) {
    let fields = if object == "fundLine" {
        "id name inPlace allocated"
    } else {
        "id kind amount date"
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {object} {{ {fields} }} userErrors {{ code field message }} }} }}"
    );
    let reply = app.gql(Some(token), &query, json!({"input": input})).await;
    let payload = reply.ok()[mutation].clone();
    (payload[object].clone(), payload["userErrors"].clone())
}

async fn line(app: &TestApp, token: &str, name: &str, kind: &str, level: &str, planned: &str) -> String {
    let input = json!({"countyCode": COUNTY, "year": 2026, "name": name, "kind": kind, "level": level, "plannedAmount": planned});
    let (line, errors) = run(app, token, "fundLineCreate", "FundLineCreateInput", "fundLine", input).await;
    assert_eq!(errors, json!([]), "{name}");
    line["id"].as_str().unwrap().to_string()
}

/// A fresh document or voucher number: a number used again needs the clerk's confirmation.
fn next_number() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

async fn receipt(app: &TestApp, token: &str, line: &str, amount: &str, date: &str) -> (Value, Value) {
    let input = json!({"fundLine": line, "amount": amount, "date": date, "documentNo": format!("示财〔2026〕{}号", next_number())});
    run(
        app,
        token,
        "fundReceiptRecord",
        "FundReceiptRecordInput",
        "entry",
        input,
    )
    .await
}

async fn allocate(app: &TestApp, token: &str, line: &str, project: &str, amount: &str, date: &str) -> (Value, Value) {
    let input = json!({"fundLine": line, "project": project, "amount": amount, "date": date});
    run(app, token, "fundAllocate", "FundAllocateInput", "entry", input).await
}

/// An allocation beyond the project's budget (超概算), confirmed with a reason.
async fn allocate_above_budget(
    app: &TestApp,
    token: &str,
    line: &str,
    project: &str,
    amount: &str,
    date: &str,
) -> (Value, Value) {
    let input = json!({"fundLine": line, "project": project, "amount": amount, "date": date, "confirmAboveBudget": true, "note": "概算调增"});
    run(app, token, "fundAllocate", "FundAllocateInput", "entry", input).await
}

async fn disburse(
    app: &TestApp,
    token: &str,
    allocation: &str,
    amount: &str,
    date: &str,
    retention: bool,
) -> (Value, Value) {
    let mut input = json!({"allocation": allocation, "amount": amount, "date": date, "voucherNo": format!("记-{:04}", next_number()), "isRetention": retention});
    if retention {
        // Before the guarantee period has run, a retention is released early with a reason.
        input["earlyReleaseReason"] = json!("竣工决算审计完成");
    }
    run(
        app,
        token,
        "disbursementRecord",
        "DisbursementRecordInput",
        "entry",
        input,
    )
    .await
}

/// What most ledger tests start from: the demo county with finance signed in, a road project
/// under construction in a poverty village, and an integrated-funds line planned at 1000.00.
async fn ledger_fixture() -> (TestApp, String, entity::project::Model, String) {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let building = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &[POVERTY_VILLAGE],
        0,
    )
    .await;
    let fund = line(
        &app,
        &finance,
        "整合资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "1000.00",
    )
    .await;
    (app, finance, building, fund)
}

async fn ok_entry(result: (Value, Value)) -> String {
    let (entry, errors) = result;
    assert_eq!(errors, json!([]));
    entry["id"].as_str().unwrap().to_string()
}

/// Yuan with two decimals from fen, as the API prints money.
fn yuan(fen: i64) -> String {
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.abs() / 100,
        fen.abs() % 100
    )
}

/// An independent rate: n / d × 100, half up to 2 places, as text; null for d = 0.
fn expected_rate(n: i64, d: i64) -> Value {
    if d == 0 {
        return Value::Null;
    }
    let hundredths = (n as i128 * 20_000 + d as i128) / (2 * d as i128);
    json!(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

#[derive(Default, Clone, Copy)]
struct Expected {
    planned: i64,
    in_place: i64,
    allocated: i64,
    disbursed: i64,
}

const UTILIZATION: &str = "query($y: Int!, $r: String!, $g: [UtilizationDimension!], $a: Date) { fundUtilization(year: $y, regionCode: $r, groupBy: $g, asOf: $a) { fundKind fundLine { name } sector month planned inPlace arrivalRate allocated unallocated disbursed disbursementRate } }";

#[tokio::test]
async fn a_years_ledger_gives_exactly_the_independently_computed_figures() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let road = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &[POVERTY_VILLAGE],
        0,
    )
    .await;
    let water = project_at(
        &app,
        ProjectStatus::Accepted,
        Sector::DrinkingWater,
        &[PLAIN_VILLAGE],
        12,
    )
    .await;
    let clinic = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Clinic,
        &[POVERTY_VILLAGE],
        0,
    )
    .await;

    let integrated = line(
        &app,
        &finance,
        "2026年中央财政专项扶贫资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "8000000.00",
    )
    .await;
    let matching = line(
        &app,
        &finance,
        "2026年县本级配套资金",
        "COUNTY_MATCHING",
        "COUNTY",
        "1500000.00",
    )
    .await;
    let loan = line(
        &app,
        &finance,
        "2026年农发行扶贫贷款",
        "POLICY_LOAN",
        "PROVINCIAL",
        "3000000.00",
    )
    .await;
    let sector = line(
        &app,
        &finance,
        "2026年卫生行业资金",
        "SECTOR",
        "PROVINCIAL",
        "600000.00",
    )
    .await;
    let _empty = line(&app, &finance, "2026年东西部协作资金", "EAST_WEST", "MUNICIPAL", "0").await;

    let mut by_kind: std::collections::BTreeMap<&str, Expected> = Default::default();
    by_kind.entry("INTEGRATED_AGRICULTURAL").or_default().planned = 800_000_000;
    by_kind.entry("COUNTY_MATCHING").or_default().planned = 150_000_000;
    by_kind.entry("POLICY_LOAN").or_default().planned = 300_000_000;
    by_kind.entry("SECTOR").or_default().planned = 60_000_000;
    by_kind.entry("EAST_WEST").or_default().planned = 0;

    let date = "2026-03-15";
    ok_entry(receipt(&app, &finance, &integrated, "5000000.00", date).await).await;
    ok_entry(receipt(&app, &finance, &integrated, "1987654.32", "2026-06-30").await).await;
    ok_entry(receipt(&app, &finance, &matching, "1200000.00", date).await).await;
    ok_entry(receipt(&app, &finance, &loan, "2000000.01", date).await).await;
    ok_entry(receipt(&app, &finance, &sector, "600000.00", date).await).await;
    by_kind.get_mut("INTEGRATED_AGRICULTURAL").unwrap().in_place = 698_765_432;
    by_kind.get_mut("COUNTY_MATCHING").unwrap().in_place = 120_000_000;
    by_kind.get_mut("POLICY_LOAN").unwrap().in_place = 200_000_001;
    by_kind.get_mut("SECTOR").unwrap().in_place = 60_000_000;

    let a1 = ok_entry(allocate_above_budget(&app, &finance, &integrated, &project_id(&road), "3000000.00", date).await)
        .await;
    let a2 = ok_entry(allocate(&app, &finance, &matching, &project_id(&water), "800000.50", date).await).await;
    let a3 = ok_entry(allocate_above_budget(&app, &finance, &loan, &project_id(&road), "1500000.00", date).await).await;
    let a4 = ok_entry(allocate(&app, &finance, &sector, &project_id(&clinic), "450000.00", date).await).await;
    by_kind.get_mut("INTEGRATED_AGRICULTURAL").unwrap().allocated = 300_000_000;
    by_kind.get_mut("COUNTY_MATCHING").unwrap().allocated = 80_000_050;
    by_kind.get_mut("POLICY_LOAN").unwrap().allocated = 150_000_000;
    by_kind.get_mut("SECTOR").unwrap().allocated = 45_000_000;

    ok_entry(disburse(&app, &finance, &a1, "1234567.89", date, false).await).await;
    let wrong = ok_entry(disburse(&app, &finance, &a1, "100000.00", date, false).await).await;
    ok_entry(disburse(&app, &finance, &a2, "700000.00", "2026-07-01", false).await).await;
    ok_entry(disburse(&app, &finance, &a2, "100000.50", "2026-07-02", true).await).await;
    ok_entry(disburse(&app, &finance, &a3, "333333.33", date, false).await).await;
    ok_entry(disburse(&app, &finance, &a4, "0.01", date, false).await).await;
    // A wrong disbursement reversed: the ledger keeps both entries, the sums net out.
    let reversal = app
        .gql(
            Some(&finance),
            "mutation($e: ID!) { ledgerEntryReverse(input: {entry: $e, reason: \"凭证录入错误\"}) { entry { amount kind reverses { id } } userErrors { code message } } }",
            json!({"e": wrong}),
        )
        .await;
    let reversal = &reversal.ok()["ledgerEntryReverse"];
    assert_eq!(reversal["entry"]["amount"], "-100000.00");
    assert_eq!(reversal["entry"]["reverses"]["id"], json!(wrong));
    by_kind.get_mut("INTEGRATED_AGRICULTURAL").unwrap().disbursed = 123_456_789;
    by_kind.get_mut("COUNTY_MATCHING").unwrap().disbursed = 80_000_050;
    by_kind.get_mut("POLICY_LOAN").unwrap().disbursed = 33_333_333;
    by_kind.get_mut("SECTOR").unwrap().disbursed = 1;

    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "g": ["FUND_KIND"]}),
        )
        .await;
    let rows = reply.ok()["fundUtilization"].as_array().unwrap().clone();
    assert_eq!(rows.len(), by_kind.len(), "{rows:?}");
    for row in &rows {
        let kind = row["fundKind"].as_str().unwrap();
        let e = by_kind[kind];
        let context = format!("{kind}: {row}");
        assert_eq!(row["planned"], json!(yuan(e.planned)), "{context}");
        assert_eq!(row["inPlace"], json!(yuan(e.in_place)), "{context}");
        assert_eq!(row["allocated"], json!(yuan(e.allocated)), "{context}");
        assert_eq!(row["unallocated"], json!(yuan(e.in_place - e.allocated)), "{context}");
        assert_eq!(row["disbursed"], json!(yuan(e.disbursed)), "{context}");
        assert_eq!(row["arrivalRate"], expected_rate(e.in_place, e.planned), "{context}");
        assert_eq!(
            row["disbursementRate"],
            expected_rate(e.disbursed, e.in_place),
            "{context}"
        );
    }
    // One row of totals without grouping.
    let total = by_kind.values().fold(Expected::default(), |t, e| Expected {
        planned: t.planned + e.planned,
        in_place: t.in_place + e.in_place,
        allocated: t.allocated + e.allocated,
        disbursed: t.disbursed + e.disbursed,
    });
    let reply = app
        .gql(Some(&finance), UTILIZATION, json!({"y": 2026, "r": COUNTY}))
        .await;
    let row = &reply.ok()["fundUtilization"][0];
    assert_eq!(row["planned"], json!(yuan(total.planned)));
    assert_eq!(row["disbursed"], json!(yuan(total.disbursed)));
    assert_eq!(row["arrivalRate"], expected_rate(total.in_place, total.planned));
    // The province sums its (one) county.
    let reply = app
        .gql(
            Some(&app.demo_login("admin").await),
            UTILIZATION,
            json!({"y": 2026, "r": "990000000000"}),
        )
        .await;
    assert_eq!(reply.ok()["fundUtilization"][0]["inPlace"], json!(yuan(total.in_place)));

    // By sector: no plan or receipts of its own, so those figures are null.
    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "g": ["SECTOR"]}),
        )
        .await;
    let rows = reply.ok()["fundUtilization"].as_array().unwrap().clone();
    let road_row = rows.iter().find(|r| r["sector"] == "ROAD").unwrap();
    assert_eq!(road_row["allocated"], json!(yuan(300_000_000 + 150_000_000)));
    assert_eq!(road_row["disbursed"], json!(yuan(123_456_789 + 33_333_333)));
    assert_eq!(
        (
            road_row["planned"].clone(),
            road_row["inPlace"].clone(),
            road_row["disbursementRate"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );

    // As of the end of March: the June receipt and the July disbursements had not happened.
    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "g": ["FUND_KIND"], "a": "2026-03-31"}),
        )
        .await;
    let rows = reply.ok()["fundUtilization"].as_array().unwrap().clone();
    let integrated_row = rows
        .iter()
        .find(|r| r["fundKind"] == "INTEGRATED_AGRICULTURAL")
        .unwrap();
    assert_eq!(integrated_row["inPlace"], "5000000.00");
    let matching_row = rows.iter().find(|r| r["fundKind"] == "COUNTY_MATCHING").unwrap();
    assert_eq!(matching_row["disbursed"], "0.00");

    // By month: receipts and disbursements fall in the month of their date.
    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "g": ["MONTH"]}),
        )
        .await;
    let rows = reply.ok()["fundUtilization"].as_array().unwrap().clone();
    let june = rows.iter().find(|r| r["month"] == 6).unwrap();
    assert_eq!(
        (june["inPlace"].as_str(), june["planned"].clone()),
        (Some("1987654.32"), Value::Null)
    );
    let july = rows.iter().find(|r| r["month"] == 7).unwrap();
    assert_eq!(july["disbursed"], "800000.50");

    // The project's own figures, per kind.
    let reply = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on Project { fundSummary { allocated disbursed byKind { kind allocated disbursed } } allocations { amount } disbursements { amount isRetention } } } }",
            json!({"id": project_id(&road)}),
        )
        .await;
    let summary = &reply.ok()["node"]["fundSummary"];
    assert_eq!(summary["allocated"], "4500000.00");
    assert_eq!(summary["disbursed"], json!(yuan(123_456_789 + 33_333_333)));
    assert_eq!(
        summary["byKind"][0],
        json!({"kind": "INTEGRATED_AGRICULTURAL", "allocated": "3000000.00", "disbursed": "1234567.89"})
    );
    assert_eq!(
        reply.ok()["node"]["disbursements"].as_array().unwrap().len(),
        4,
        "three payments and one reversal"
    );
    assert_ledger_invariants(&app).await;
}

#[tokio::test]
async fn ten_thousand_random_amounts_sum_exactly_and_extremes_read_back_unchanged() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let account = line(&app, &finance, "精度测试资金", "SOCIAL", "COUNTY", "0").await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_128);
    let mut expected: i64 = 0;
    // 100 requests of 100 aliased receipts each: ten thousand entries through the API.
    for batch in 0..100 {
        let mut query = String::from("mutation($l: ID!) {");
        for i in 0..100 {
            let fen: i64 = rng.random_range(1..=99_999_999_999);
            expected += fen;
            query.push_str(&format!(
                " r{i}: fundReceiptRecord(input: {{fundLine: $l, amount: \"{}\", date: \"2026-01-02\", documentNo: \"R{batch}-{i}\"}}) {{ userErrors {{ code }} }}",
                yuan(fen)
            ));
        }
        query.push('}');
        let reply = app.gql(Some(&finance), &query, json!({"l": account})).await;
        assert!(
            reply
                .ok()
                .as_object()
                .unwrap()
                .values()
                .all(|r| r["userErrors"] == json!([]))
        );
    }
    let reply = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on FundLine { inPlace } } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(reply.ok()["node"]["inPlace"], json!(yuan(expected)));
    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "g": ["FUND_LINE"]}),
        )
        .await;
    assert_eq!(reply.ok()["fundUtilization"][0]["inPlace"], json!(yuan(expected)));

    let extremes = line(&app, &finance, "极值测试资金", "SOCIAL", "COUNTY", "0").await;
    let (big, errors) = receipt(&app, &finance, &extremes, "9999999999.99", "2026-01-02").await;
    assert_eq!(errors, json!([]));
    assert_eq!(big["amount"], "9999999999.99");
    let (small, _) = receipt(&app, &finance, &extremes, "0.01", "2026-01-02").await;
    assert_eq!(small["amount"], "0.01");
    let reply = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on FundLine { inPlace } } }",
            json!({"id": extremes}),
        )
        .await;
    assert_eq!(reply.ok()["node"]["inPlace"], "10000000000.00");
}

async fn ledger_size(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::ledger_entry::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn every_broken_rule_is_a_typed_error_and_the_ledger_is_unchanged() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let building = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &[POVERTY_VILLAGE],
        0,
    )
    .await;
    let claimed = project_at(&app, ProjectStatus::Claimed, Sector::Road, &[POVERTY_VILLAGE], 0).await;
    let clinic = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Clinic,
        &[POVERTY_VILLAGE],
        0,
    )
    .await;
    let not_poor = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::DrinkingWater,
        &[PLAIN_VILLAGE],
        0,
    )
    .await;
    let draft = project_at(&app, ProjectStatus::Submitted, Sector::Road, &[POVERTY_VILLAGE], 0).await;
    let integrated = line(
        &app,
        &finance,
        "整合资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "1000000.00",
    )
    .await;
    let self_raised = line(&app, &finance, "自筹资金", "SELF_RAISED", "COUNTY", "1000.00").await;
    ok_entry(receipt(&app, &finance, &integrated, "1000.00", "2026-02-01").await).await;
    ok_entry(receipt(&app, &finance, &self_raised, "1000.00", "2026-02-01").await).await;
    let allocation = ok_entry(
        allocate(
            &app,
            &finance,
            &integrated,
            &project_id(&building),
            "600.00",
            "2026-02-02",
        )
        .await,
    )
    .await;
    let early = ok_entry(
        allocate(
            &app,
            &finance,
            &integrated,
            &project_id(&claimed),
            "100.00",
            "2026-02-02",
        )
        .await,
    )
    .await;
    let before = ledger_size(&app).await;

    let today = today();
    let tomorrow = (china_date(chrono::Utc::now()) + chrono::Duration::days(1)).to_string();
    let cases: Vec<(&str, (Value, Value), &str, &str)> = vec![
        (
            "more than had arrived",
            allocate(&app, &finance, &integrated, &project_id(&building), "300.01", &today).await,
            "INSUFFICIENT_FUNDS",
            "only 300.00 yuan was",
        ),
        (
            "more than allocated",
            disburse(&app, &finance, &allocation, "600.01", &today, false).await,
            "INSUFFICIENT_FUNDS",
            "only 600.00 yuan was",
        ),
        (
            "integrated funds to a clinic",
            allocate(&app, &finance, &integrated, &project_id(&clinic), "10.00", &today).await,
            "NEGATIVE_LIST",
            "负面清单",
        ),
        (
            "poverty money to a project with no poor",
            allocate(&app, &finance, &integrated, &project_id(&not_poor), "10.00", &today).await,
            "NOT_POVERTY_TARGETED",
            "贫困村",
        ),
        (
            "money to an unapproved project",
            allocate(&app, &finance, &integrated, &project_id(&draft), "10.00", &today).await,
            "WRONG_PROJECT_STAGE",
            "SUBMITTED",
        ),
        (
            "a disbursement before construction",
            disburse(&app, &finance, &early, "10.00", &today, false).await,
            "WRONG_PROJECT_STAGE",
            "before construction",
        ),
        (
            "a retention before acceptance",
            disburse(&app, &finance, &allocation, "10.00", &today, true).await,
            "WRONG_PROJECT_STAGE",
            "after acceptance",
        ),
        (
            "an amount of 0",
            receipt(&app, &finance, &integrated, "0", &today).await,
            "INVALID_INPUT",
            "greater than 0",
        ),
        (
            "a negative amount",
            receipt(&app, &finance, &integrated, "-5.00", &today).await,
            "INVALID_INPUT",
            "greater than 0",
        ),
        (
            "three decimals",
            receipt(&app, &finance, &integrated, "1.005", &today).await,
            "INVALID_INPUT",
            "2 decimals",
        ),
        (
            "past the largest amount",
            receipt(&app, &finance, &integrated, "1000000000000.00", &today).await,
            "INVALID_INPUT",
            "larger than the ledger holds",
        ),
        (
            "a date in the future",
            receipt(&app, &finance, &integrated, "1.00", &tomorrow).await,
            "INVALID_INPUT",
            "future",
        ),
        (
            "an unknown fund line",
            receipt(
                &app,
                &finance,
                &tracker::graphql::node::global_id("FundLine", 99_999).0,
                "1.00",
                &today,
            )
            .await,
            "NOT_FOUND",
            "fund line",
        ),
        (
            "a project id for a fund line",
            receipt(&app, &finance, &project_id(&building), "1.00", &today).await,
            "INVALID_INPUT",
            "FundLine",
        ),
    ];
    for (what, (entry, errors), code, mentions) in cases {
        assert_eq!(entry, Value::Null, "{what}");
        assert_eq!(errors[0]["code"], code, "{what}: {errors}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(mentions),
            "{what}: {errors}"
        );
    }
    // Self-raised money is not poverty money: it may go where integrated funds may not.
    ok_entry(allocate(&app, &finance, &self_raised, &project_id(&not_poor), "10.00", &today).await).await;
    ok_entry(allocate(&app, &finance, &self_raised, &project_id(&clinic), "10.00", &today).await).await;
    assert_eq!(ledger_size(&app).await, before + 2);

    // A JSON number is refused before anything runs.
    let reply = app
        .gql(
            Some(&finance),
            "mutation($l: ID!) { fundReceiptRecord(input: {fundLine: $l, amount: 12.5, date: \"2026-02-01\", documentNo: \"x\"}) { userErrors { code } } }",
            json!({"l": integrated}),
        )
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
    let reply = app
        .gql(
            Some(&finance),
            "mutation($l: ID!, $a: Decimal!) { fundReceiptRecord(input: {fundLine: $l, amount: $a, date: \"2026-02-01\", documentNo: \"x\"}) { userErrors { code } } }",
            json!({"l": integrated, "a": 12.5}),
        )
        .await;
    assert!(reply.error_message().contains("sent as strings"), "{}", reply.body);
    assert_eq!(ledger_size(&app).await, before + 2);

    // Only the finance bureau writes the ledger.
    for username in ["coordinator", "township", "transport", "inspector"] {
        let token = app.demo_login(username).await;
        let (_, errors) = receipt(&app, &token, &integrated, "1.00", &today).await;
        assert!(
            matches!(errors[0]["code"].as_str(), Some("FORBIDDEN") | Some("NOT_FOUND")),
            "{username}: {errors}"
        );
    }
    assert_eq!(ledger_size(&app).await, before + 2);
}

#[tokio::test]
async fn reversals_keep_every_invariant() {
    let (app, finance, building, fund) = ledger_fixture().await;
    let received = ok_entry(receipt(&app, &finance, &fund, "1000.00", "2026-02-01").await).await;
    let allocation =
        ok_entry(allocate(&app, &finance, &fund, &project_id(&building), "800.00", "2026-02-02").await).await;
    let paid = ok_entry(disburse(&app, &finance, &allocation, "50.00", "2026-02-03", false).await).await;
    let reverse = |entry: String, reason: &'static str| {
        let app = &app;
        let finance = finance.clone();
        async move {
            let reply = app
                .gql(
                    Some(&finance),
                    "mutation($e: ID!, $r: String!) { ledgerEntryReverse(input: {entry: $e, reason: $r}) { entry { id amount } userErrors { code field message } } }",
                    json!({"e": entry, "r": reason}),
                )
                .await;
            reply.ok()["ledgerEntryReverse"].clone()
        }
    };
    let refused = reverse(received.clone(), "错误").await;
    assert_eq!(
        refused["userErrors"][0]["code"], "INSUFFICIENT_FUNDS",
        "the receipt is allocated: {refused}"
    );
    let refused = reverse(allocation.clone(), "错误").await;
    assert_eq!(
        refused["userErrors"][0]["code"], "INSUFFICIENT_FUNDS",
        "the allocation is partly paid: {refused}"
    );
    let refused = reverse(paid.clone(), "  ").await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "reason"]),
        "{refused}"
    );
    let done = reverse(paid.clone(), "错误").await;
    assert_eq!(done["entry"]["amount"], "-50.00");
    let again = reverse(paid, "错误").await;
    assert_eq!(again["userErrors"][0]["code"], "ALREADY_REVERSED");
    let reversal = done["entry"]["id"].as_str().unwrap().to_string();
    let refused = reverse(reversal, "错误").await;
    assert_eq!(refused["userErrors"][0]["code"], "INVALID_INPUT");
    // Now the allocation is unpaid and can be reversed, then the receipt.
    assert_eq!(reverse(allocation, "错误").await["entry"]["amount"], "-800.00");
    assert_eq!(reverse(received, "错误").await["entry"]["amount"], "-1000.00");
    let reply = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on FundLine { inPlace allocated disbursed } } }",
            json!({"id": fund}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"],
        json!({"inPlace": "0.00", "allocated": "0.00", "disbursed": "0.00"})
    );
    assert_eq!(
        ledger_size(&app).await,
        6,
        "three entries and three reversals, nothing deleted"
    );
    assert_ledger_invariants(&app).await;
}

#[tokio::test]
async fn twenty_concurrent_allocations_never_exceed_the_receipts() {
    let (app, finance, building, fund) = ledger_fixture().await;
    ok_entry(receipt(&app, &finance, &fund, "1000.00", "2026-02-01").await).await;
    let project = project_id(&building);
    let attempts = (0..20).map(|_| allocate(&app, &finance, &fund, &project, "100.00", "2026-02-02"));
    let results = futures::future::join_all(attempts).await;
    let succeeded = results.iter().filter(|(_, errors)| errors == &json!([])).count();
    let refused = results
        .iter()
        .filter(|(_, errors)| errors[0]["code"] == "INSUFFICIENT_FUNDS")
        .count();
    assert_eq!((succeeded, refused), (10, 10), "{results:?}");
    let reply = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on FundLine { inPlace allocated unallocated } } }",
            json!({"id": fund}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"],
        json!({"inPlace": "1000.00", "allocated": "1000.00", "unallocated": "0.00"})
    );
    assert_ledger_invariants(&app).await;
}

/// The demo county with its finance and coordinator clerks signed in, and one integrated
/// fund line planned at 1000.00 of which 500.00 has arrived: (app, finance, coordinator,
/// the line's id).
async fn county_with_a_received_line() -> (TestApp, String, String, String) {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let coordinator = app.demo_login("coordinator").await;
    let fund = line(
        &app,
        &finance,
        "整合资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "1000.00",
    )
    .await;
    ok_entry(receipt(&app, &finance, &fund, "500.00", "2026-02-01").await).await;
    (app, finance, coordinator, fund)
}

#[tokio::test]
async fn the_annual_plan_is_versioned_and_an_approved_version_is_locked() {
    let (app, finance, coordinator, fund) = county_with_a_received_line().await;
    let set = "mutation($input: AnnualPlanSetInput!) { annualPlanSet(input: $input) { annualPlan { version status fundLines { plannedAmount } sectors { sector unit targetQuantity targetProjectCount } } userErrors { code field message } } }";
    let approve = "mutation($v: Int!) { annualPlanApprove(input: {countyCode: \"990101000000\", year: 2026, version: $v}) { annualPlan { version status approvedBy } userErrors { code message } } }";
    let input = |amount: &str, km: &str, version: Value| {
        json!({"input": {"countyCode": COUNTY, "year": 2026, "version": version, "fundLines": [{"fundLine": fund, "plannedAmount": amount}],
            "sectors": [{"sector": "ROAD", "targetQuantity": km, "targetProjectCount": 12}, {"sector": "DRINKING_WATER", "targetQuantity": "8", "targetProjectCount": 8}]}})
    };
    let reply = app
        .gql(Some(&coordinator), set, input("2000.00", "45.5", Value::Null))
        .await;
    let plan = &reply.ok()["annualPlanSet"]["annualPlan"];
    assert_eq!(
        (plan["version"].as_i64(), plan["status"].as_str()),
        (Some(1), Some("DRAFT"))
    );
    assert_eq!(
        plan["sectors"][0],
        json!({"sector": "ROAD", "unit": "公里", "targetQuantity": "45.5", "targetProjectCount": 12})
    );
    // A draft is edited in place.
    let reply = app.gql(Some(&coordinator), set, input("2500.00", "46", json!(1))).await;
    assert_eq!(reply.ok()["annualPlanSet"]["annualPlan"]["version"], 1);
    // Until a plan is approved, the fund line's own planned amount counts.
    let reply = app
        .gql(Some(&finance), UTILIZATION, json!({"y": 2026, "r": COUNTY}))
        .await;
    assert_eq!(reply.ok()["fundUtilization"][0]["planned"], "1000.00");

    let reply = app.gql(Some(&finance), approve, json!({"v": 1})).await;
    assert_eq!(
        reply.ok()["annualPlanApprove"]["userErrors"][0]["code"],
        "FORBIDDEN",
        "the coordinator sets the plan"
    );
    let reply = app.gql(Some(&coordinator), approve, json!({"v": 1})).await;
    assert_eq!(reply.ok()["annualPlanApprove"]["annualPlan"]["status"], "APPROVED");
    assert_eq!(
        reply.ok()["annualPlanApprove"]["annualPlan"]["approvedBy"],
        "coordinator"
    );
    let reply = app
        .gql(Some(&finance), UTILIZATION, json!({"y": 2026, "r": COUNTY}))
        .await;
    assert_eq!(reply.ok()["fundUtilization"][0]["planned"], "2500.00");
    assert_eq!(reply.ok()["fundUtilization"][0]["arrivalRate"], "20.00");
    let yesterday = (china_date(chrono::Utc::now()) - chrono::Duration::days(1)).to_string();
    let reply = app
        .gql(
            Some(&finance),
            UTILIZATION,
            json!({"y": 2026, "r": COUNTY, "a": yesterday}),
        )
        .await;
    assert_eq!(
        reply.ok()["fundUtilization"][0]["planned"],
        "1000.00",
        "the plan was approved today"
    );

    // Editing the locked version in place is refused; a change makes version 2.
    let reply = app.gql(Some(&coordinator), set, input("3000.00", "50", json!(1))).await;
    assert_eq!(reply.ok()["annualPlanSet"]["userErrors"][0]["code"], "PLAN_LOCKED");
    let reply = app
        .gql(Some(&coordinator), set, input("3000.00", "50", Value::Null))
        .await;
    assert_eq!(reply.ok()["annualPlanSet"]["annualPlan"]["version"], 2);
    let read = "query($v: Int) { annualPlan(countyCode: \"990101000000\", year: 2026, version: $v) { version status fundLines { plannedAmount } } }";
    let reply = app.gql(Some(&finance), read, json!({"v": 1})).await;
    assert_eq!(
        reply.ok()["annualPlan"],
        json!({"version": 1, "status": "APPROVED", "fundLines": [{"plannedAmount": "2500.00"}]})
    );
    let reply = app.gql(Some(&finance), read, json!({"v": null})).await;
    assert_eq!(reply.ok()["annualPlan"]["version"], 2);
    // The draft version 2 does not count until approved.
    let reply = app
        .gql(Some(&finance), UTILIZATION, json!({"y": 2026, "r": COUNTY}))
        .await;
    assert_eq!(reply.ok()["fundUtilization"][0]["planned"], "2500.00");

    let bad = json!({"input": {"countyCode": COUNTY, "year": 2026, "fundLines": [{"fundLine": fund, "plannedAmount": "-1"}], "sectors": [{"sector": "ROAD", "targetQuantity": "-2", "targetProjectCount": 1}]}});
    let reply = app.gql(Some(&coordinator), set, bad).await;
    assert_eq!(reply.ok()["annualPlanSet"]["userErrors"].as_array().unwrap().len(), 2);
}

/// Once a plan is approved, 年计划 is the plan's: the lines it names have its amounts, the
/// others count nothing and are marked as outside the plan (计划外资金), in every grouping
/// by a fund line's attributes. Before that each line counts its own amount. A line with
/// no money yet still has its row.
#[tokio::test]
async fn a_plan_in_force_sets_the_year_plan_and_lines_outside_it_count_nothing() {
    let (app, finance, coordinator, named) = county_with_a_received_line().await;
    line(&app, &finance, "县配套", "COUNTY_MATCHING", "COUNTY", "300.00").await;
    line(
        &app,
        &finance,
        "省级整合",
        "INTEGRATED_AGRICULTURAL",
        "PROVINCIAL",
        "200.00",
    )
    .await;
    let plan = json!({"input": {"countyCode": COUNTY, "year": 2026, "fundLines": [{"fundLine": named, "plannedAmount": "2500.00"}],
        "sectors": [{"sector": "ROAD", "targetQuantity": "10", "targetProjectCount": 2}]}});
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($input: AnnualPlanSetInput!) { annualPlanSet(input: $input) { userErrors { message } } }",
            plan,
        )
        .await;
    assert_eq!(reply.ok()["annualPlanSet"]["userErrors"], json!([]));
    let own = app
        .gql(
            Some(&finance),
            "{ fundUtilization(year: 2026, regionCode: \"990101000000\") { planned } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own.ok()["fundUtilization"][0]["planned"],
        "1500.00",
        "no plan in force yet: each line its own"
    );
    let approve = "mutation { annualPlanApprove(input: {countyCode: \"990101000000\", year: 2026, version: 1}) { userErrors { message } } }";
    let reply = app.gql(Some(&coordinator), approve, json!({})).await;
    assert_eq!(reply.ok()["annualPlanApprove"]["userErrors"], json!([]));

    // The demo's admin works in the city above the county.
    let admin = app.demo_login("admin").await;
    let rollup = |region: &'static str, group_by: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            let reply = app
                .gql(
                    Some(admin),
                    "query($r: String!, $g: [UtilizationDimension!]) { fundUtilization(year: 2026, regionCode: $r, groupBy: $g) { county { code } fundKind fundLevel fundLine { name } planned inPlace } }",
                    json!({"r": region, "g": group_by}),
                )
                .await;
            reply.ok()["fundUtilization"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    let key = ["county", "fundKind", "fundLevel", "fundLine"]
                        .map(|k| match &row[k] {
                            Value::Object(o) => o.values().next().and_then(Value::as_str).unwrap_or("").to_string(),
                            v => v.as_str().unwrap_or("").to_string(),
                        })
                        .join("/");
                    (key, row["planned"].clone(), row["inPlace"].clone())
                })
                .collect::<Vec<_>>()
        }
    };
    let row = |key: &str, planned: &str, in_place: &str| (key.to_string(), json!(planned), json!(in_place));
    assert_eq!(rollup(COUNTY, json!([])).await, [row("///", "2500.00", "500.00")]);
    assert_eq!(
        rollup("990100000000", json!(["COUNTY"])).await,
        [row("990101000000///", "2500.00", "500.00")]
    );
    assert_eq!(
        rollup(COUNTY, json!(["FUND_KIND"])).await,
        [
            row("/INTEGRATED_AGRICULTURAL//", "2500.00", "500.00"),
            row("/COUNTY_MATCHING//", "0.00", "0.00"),
        ]
    );
    assert_eq!(
        rollup(COUNTY, json!(["FUND_LEVEL"])).await,
        [
            row("//CENTRAL/", "2500.00", "500.00"),
            row("//PROVINCIAL/", "0.00", "0.00"),
            row("//COUNTY/", "0.00", "0.00"),
        ]
    );
    let mut by_line = rollup(COUNTY, json!(["FUND_LINE"])).await;
    by_line.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        by_line,
        [
            row("///县配套", "0.00", "0.00"),
            row("///整合资金", "2500.00", "500.00"),
            row("///省级整合", "0.00", "0.00"),
        ]
    );
    let reply = app
        .gql(
            Some(&finance),
            "{ fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [FUND_LINE]) { fundLine { name } outsidePlan } }",
            json!({}),
        )
        .await;
    let mut outside: Vec<(String, bool)> = reply.ok()["fundUtilization"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["fundLine"]["name"].as_str().unwrap().to_string(),
                r["outsidePlan"].as_bool().unwrap(),
            )
        })
        .collect();
    outside.sort();
    assert_eq!(
        outside,
        [
            ("县配套".to_string(), true),
            ("整合资金".to_string(), false),
            ("省级整合".to_string(), true)
        ]
    );
}

/// Grouped by a project's department, township, sector or month, the rows of a rollup add
/// up to the county's own total, each group once; a township's row is what the township's
/// own rollup gives, without the fund lines' planned and received money.
#[tokio::test]
async fn rollups_by_project_attributes_add_up_to_the_county() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let finance = app.demo_login("finance").await;
    let year = chrono::Datelike::year(&china_date(chrono::Utc::now()));
    let rollup_of = |region: String, group_by: Value| {
        let app = &app;
        let finance = &finance;
        async move {
            let reply = app
                .gql(
                    Some(finance),
                    "query($y: Int!, $r: String!, $g: [UtilizationDimension!]) { fundUtilization(year: $y, regionCode: $r, groupBy: $g) { department { name } township { code } sector month planned inPlace allocated disbursed } }",
                    json!({"y": year, "r": region, "g": group_by}),
                )
                .await;
            reply.ok()["fundUtilization"].as_array().unwrap().clone()
        }
    };
    let rollup = |group_by: Value| rollup_of(COUNTY.to_string(), group_by);
    let fen = |v: &Value| -> i64 {
        let (whole, fraction) = v.as_str().unwrap().split_once('.').unwrap();
        whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
    };
    let total = rollup(json!([])).await;
    let (allocated, disbursed) = (fen(&total[0]["allocated"]), fen(&total[0]["disbursed"]));
    assert!(allocated > 0 && disbursed > 0, "{total:?}");
    for (group_by, key) in [
        (json!(["DEPARTMENT"]), "department"),
        (json!(["TOWNSHIP"]), "township"),
        (json!(["SECTOR", "MONTH"]), "sector"),
    ] {
        let rows = rollup(group_by.clone()).await;
        assert!(rows.len() > 1, "{group_by}: {rows:?}");
        let sum = |field: &str| rows.iter().map(|r| fen(&r[field])).sum::<i64>();
        assert_eq!(
            (sum("allocated"), sum("disbursed")),
            (allocated, disbursed),
            "{group_by}"
        );
        let mut keys: Vec<String> = rows.iter().map(|r| format!("{}/{}", r[key], r["month"])).collect();
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count, "{group_by}: each group once");
    }
    // Rows come in the order of their keys: townships by code; sectors in the schema's
    // order (not their names'), and months ascending within a sector.
    let townships: Vec<String> = rollup(json!(["TOWNSHIP"]))
        .await
        .iter()
        .map(|r| r["township"]["code"].as_str().unwrap().to_string())
        .collect();
    assert!(townships.is_sorted_by(|a, b| a < b), "{townships:?}");
    let sector_months: Vec<(tracker::domain::sector::Sector, i64)> = rollup(json!(["SECTOR", "MONTH"]))
        .await
        .iter()
        .map(|r| {
            (
                r["sector"].as_str().unwrap().parse().unwrap(),
                r["month"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(sector_months.is_sorted_by(|a, b| a < b), "{sector_months:?}");
    let sectors: std::collections::BTreeSet<_> = sector_months.iter().map(|(s, _)| *s).collect();
    assert!(
        sectors.len() > 2,
        "{sectors:?}: enough sectors that their names' order differs"
    );
    for row in rollup(json!(["TOWNSHIP"])).await {
        let township = row["township"]["code"].as_str().unwrap().to_string();
        let own = rollup_of(township.clone(), json!([])).await;
        assert_eq!(own.len(), 1, "{township}: {own:?}");
        for field in ["allocated", "disbursed"] {
            assert_eq!(own[0][field], row[field], "{township} {field}");
        }
        assert_eq!((&own[0]["planned"], &own[0]["inPlace"]), (&Value::Null, &Value::Null));
    }
}

/// A rollup's rows answer the same whether every field asked is a plain one (answered in
/// one loop over the rows) or not (a fragment sends them through the rows' resolvers).
#[tokio::test]
async fn rollup_rows_answer_the_same_by_either_path() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let admin = app.demo_login("admin").await;
    let year = chrono::Datelike::year(&china_date(chrono::Utc::now()));
    let fields = "__typename county { code id __typename } seat: county { code } township { code } fundKind fundLevel sector month planned inPlace arrivalRate allocated unallocated disbursed disbursementRate";
    let head = "query($y: Int!, $r: String!, $g: [UtilizationDimension!]) { fundUtilization(year: $y, regionCode: $r, groupBy: $g)";
    let plain = format!("{head} {{ {fields} }} }}");
    let resolved = format!("{head} {{ ...Row }} }} fragment Row on FundUtilizationRow {{ {fields} }}");
    let mut township = None;
    for (region, group_by) in [
        ("990100000000", json!([])),
        ("990100000000", json!(["COUNTY", "FUND_KIND"])),
        (COUNTY, json!(["FUND_KIND", "FUND_LEVEL"])),
        (COUNTY, json!(["SECTOR", "MONTH"])),
        (COUNTY, json!(["TOWNSHIP"])),
        ("township", json!(["SECTOR"])),
    ] {
        let region = if region == "township" {
            township.clone().unwrap()
        } else {
            region.to_string()
        };
        let variables = json!({"y": year, "r": region, "g": group_by});
        let by_loop = app.gql(Some(&admin), &plain, variables.clone()).await;
        let by_resolvers = app.gql(Some(&admin), &resolved, variables).await;
        let rows = by_loop.ok()["fundUtilization"].as_array().unwrap().clone();
        assert!(!rows.is_empty(), "{region} {group_by}");
        assert_eq!(by_loop.ok(), by_resolvers.ok(), "{region} {group_by}");
        township = township.or_else(|| rows[0]["township"]["code"].as_str().map(str::to_string));
    }
}

/// A rollup's county answers its code from the row alone, and anything else from the
/// region itself: the same as `region(code:)` gives, asked directly or through a fragment.
#[tokio::test]
async fn a_rollup_names_its_counties_by_code_or_in_full() {
    let app = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let admin = app.demo_login("admin").await;
    let year = chrono::Datelike::year(&china_date(chrono::Utc::now()));
    let reply = app
        .gql(
            Some(&admin),
            "query($y: Int!) { fundUtilization(year: $y, regionCode: \"990100000000\", groupBy: [COUNTY]) { county { code } short: county { __typename id code } full: county { __typename id code name level } named: county { ... on Region { name } } } }",
            json!({"y": year}),
        )
        .await;
    let rows = reply.ok()["fundUtilization"].as_array().unwrap().clone();
    assert!(!rows.is_empty());
    for row in rows {
        let code = row["county"]["code"].as_str().unwrap();
        let region = app
            .gql(
                Some(&admin),
                "query($c: String!) { region(code: $c) { __typename id code name level } }",
                json!({"c": code}),
            )
            .await;
        let region = &region.ok()["region"];
        assert_eq!(row["full"], *region, "{code}");
        // Answered from the code alone, as the region itself answers them.
        for field in ["__typename", "id", "code"] {
            assert_eq!(row["short"][field], region[field], "{field}");
        }
        assert_eq!(row["named"]["name"], row["full"]["name"]);
        assert_eq!(row["full"]["level"], "COUNTY");
    }
}

/// The record is consistent on every day (DESIGN §8): an entry is refused if, on its date or
/// any later day, a line or an allocation would be short — even where today's totals would
/// let it through — and nothing is dated before what it depends on.
#[tokio::test]
async fn the_ledger_is_consistent_on_every_day() {
    let (app, finance, building, fund) = ledger_fixture().await;
    let project = project_id(&building);
    let march = ok_entry(receipt(&app, &finance, &fund, "100.00", "2026-03-01").await).await;
    ok_entry(receipt(&app, &finance, &fund, "100.00", "2026-05-01").await).await;
    let refused = |result: (Value, Value), field: &str, day: &str| {
        let (entry, errors) = result;
        assert_eq!(entry, json!(null), "{errors}");
        assert_eq!(errors[0]["field"], json!(["input", field]), "{errors}");
        assert!(errors[0]["message"].as_str().unwrap().contains(day), "{day}: {errors}");
    };
    // Allocated before the money arrived: today 200 has arrived, but on 02-15 nothing had.
    refused(
        allocate(&app, &finance, &fund, &project, "50.00", "2026-02-15").await,
        "amount",
        "2026-02-15",
    );
    // 150 on 03-10: only 100 had arrived then.
    refused(
        allocate(&app, &finance, &fund, &project, "150.00", "2026-03-10").await,
        "amount",
        "2026-03-10",
    );
    let allocation = ok_entry(allocate(&app, &finance, &fund, &project, "80.00", "2026-03-10").await).await;
    // A later allocation leaves the days between short: 100 arrived by 04-01, 80 allocated
    // on 03-10, so 30 more on 04-01 is 10 short until May.
    refused(
        allocate(&app, &finance, &fund, &project, "30.00", "2026-04-01").await,
        "amount",
        "2026-04-01",
    );
    ok_entry(allocate(&app, &finance, &fund, &project, "30.00", "2026-05-02").await).await;

    // Paid before the allocation existed.
    refused(
        disburse(&app, &finance, &allocation, "10.00", "2026-03-05", false).await,
        "date",
        "2026-03-10",
    );
    ok_entry(disburse(&app, &finance, &allocation, "60.00", "2026-04-01", false).await).await;
    // 30 more dated 03-20: today 20 is left, and on 04-01 the first payment makes it short.
    refused(
        disburse(&app, &finance, &allocation, "30.00", "2026-03-20", false).await,
        "amount",
        "2026-04-01",
    );

    // Reversals: not before the entry they reverse, and not leaving an earlier day short.
    let reverse = |entry: String, date: &'static str| {
        let app = &app;
        let finance = finance.clone();
        async move {
            let reply = app
                .gql(
                    Some(&finance),
                    "mutation($e: ID!, $d: Date) { ledgerEntryReverse(input: {entry: $e, reason: \"错误\", date: $d}) { entry { id } userErrors { code field message } } }",
                    json!({"e": entry, "d": date}),
                )
                .await;
            let payload = reply.ok()["ledgerEntryReverse"].clone();
            (payload["entry"].clone(), payload["userErrors"].clone())
        }
    };
    refused(reverse(march.clone(), "2026-02-01").await, "date", "2026-03-01");
    // Taking March's receipt back on 03-05: today 200 − 110 = 90 is unallocated, but from
    // 03-10 to 04-30 the line would hold −80.
    refused(reverse(march, "2026-03-05").await, "entry", "2026-03-10");

    // The line's figures are what the accepted entries say, on every day.
    let data = app
        .gql(
            Some(&finance),
            "query($d: Date) { fundUtilization(year: 2026, regionCode: \"990101000000\", asOf: $d) { inPlace allocated disbursed } }",
            json!({"d": "2026-04-15"}),
        )
        .await;
    assert_eq!(
        data.ok()["fundUtilization"][0],
        json!({"inPlace": "100.00", "allocated": "80.00", "disbursed": "60.00"})
    );
}

/// A project holding money allocated and not paid is not cancelled until finance releases
/// it; the refusal lists what it holds.
#[tokio::test]
async fn a_project_with_unpaid_money_is_cancelled_only_once_it_is_released() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let coordinator = app.demo_login("coordinator").await;
    let approved = project_at(&app, ProjectStatus::Approved, Sector::Road, &[POVERTY_VILLAGE], 0).await;
    let fund = line(
        &app,
        &finance,
        "整合资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "1000.00",
    )
    .await;
    ok_entry(receipt(&app, &finance, &fund, "500.00", "2026-02-01").await).await;
    let allocation =
        ok_entry(allocate(&app, &finance, &fund, &project_id(&approved), "300.00", "2026-02-02").await).await;
    let cancel = |version: i32| {
        let app = &app;
        let coordinator = coordinator.clone();
        let id = project_id(&approved);
        async move {
            let reply = app
                .gql(
                    Some(&coordinator),
                    "mutation($p: ID!, $v: Int!) { projectCancel(input: {project: $p, expectedVersion: $v, reason: \"重复申报\"}) { project { status } userErrors { code field message } } }",
                    json!({"p": id, "v": version}),
                )
                .await;
            reply.ok()["projectCancel"].clone()
        }
    };
    let refused = cancel(approved.version).await;
    assert_eq!(refused["project"], json!(null));
    assert_eq!(refused["userErrors"][0]["code"], "WRONG_PROJECT_STAGE", "{refused}");
    let message = refused["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("300.00 yuan") && message.contains("ledgerEntryReverse"),
        "{message}"
    );
    // Released, the project can go.
    let reply = app
        .gql(
            Some(&finance),
            "mutation($e: ID!) { ledgerEntryReverse(input: {entry: $e, reason: \"项目撤销\"}) { userErrors { message } } }",
            json!({"e": allocation}),
        )
        .await;
    assert_eq!(reply.ok()["ledgerEntryReverse"]["userErrors"], json!([]));
    let done = cancel(approved.version).await;
    assert_eq!(done["project"]["status"], "CANCELLED", "{done}");
}

/// A 文号 used again on a line, or a voucher number again in a county, is refused naming
/// the earlier entry unless the clerk confirms it; a reversed entry's number is free again.
#[tokio::test]
async fn a_repeated_document_or_voucher_number_needs_confirming() {
    let (app, finance, building, fund) = ledger_fixture().await;
    let record = |document: &'static str, confirm: bool| {
        let app = &app;
        let finance = finance.clone();
        let fund = fund.clone();
        async move {
            let input = json!({"fundLine": fund, "amount": "100.00", "date": "2026-02-01", "documentNo": document, "confirmDuplicate": confirm});
            run(
                app,
                &finance,
                "fundReceiptRecord",
                "FundReceiptRecordInput",
                "entry",
                input,
            )
            .await
        }
    };
    ok_entry(record("示财农〔2026〕7号", false).await).await;
    let (entry, errors) = record("示财农〔2026〕7号", false).await;
    assert_eq!(entry, json!(null));
    assert_eq!(errors[0]["code"], "ALREADY_EXISTS", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "documentNo"]));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("2026-02-01") && message.contains("confirmDuplicate"),
        "{message}"
    );
    ok_entry(record("示财农〔2026〕7号", true).await).await;
    ok_entry(record("示财农〔2026〕8号", false).await).await;

    let allocation =
        ok_entry(allocate(&app, &finance, &fund, &project_id(&building), "300.00", "2026-02-02").await).await;
    let pay = |voucher: &'static str, confirm: bool| {
        let app = &app;
        let finance = finance.clone();
        let allocation = allocation.clone();
        async move {
            let input = json!({"allocation": allocation, "amount": "10.00", "date": "2026-02-03", "voucherNo": voucher, "confirmDuplicate": confirm});
            run(
                app,
                &finance,
                "disbursementRecord",
                "DisbursementRecordInput",
                "entry",
                input,
            )
            .await
        }
    };
    let paid = ok_entry(pay("记-2026-0042", false).await).await;
    let (_, errors) = pay("记-2026-0042", false).await;
    assert_eq!(errors[0]["code"], "ALREADY_EXISTS", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "voucherNo"]));
    // Reversed, an entry no longer holds its number.
    let reply = app
        .gql(
            Some(&finance),
            "mutation($e: ID!) { ledgerEntryReverse(input: {entry: $e, reason: \"录错金额\"}) { userErrors { message } } }",
            json!({"e": paid}),
        )
        .await;
    assert_eq!(reply.ok()["ledgerEntryReverse"]["userErrors"], json!([]));
    ok_entry(pay("记-2026-0042", false).await).await;
    let (_, errors) = pay("记-2026-0042", false).await;
    assert_eq!(errors[0]["code"], "ALREADY_EXISTS", "{errors}");
    ok_entry(pay("记-2026-0042", true).await).await;
}

/// A receipt is read within the reach of ViewFunds, as its fund line is: a township user,
/// who does not see the county's fund lines, does not read its receipts by `node` either.
#[tokio::test]
async fn a_receipt_is_read_within_the_reach_of_its_fund_line() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let township = app.demo_login("township").await;
    let fund = line(
        &app,
        &finance,
        "整合资金",
        "INTEGRATED_AGRICULTURAL",
        "CENTRAL",
        "1000.00",
    )
    .await;
    let received = ok_entry(receipt(&app, &finance, &fund, "100.00", "2026-02-01").await).await;
    let fetch = "query($id: ID!) { node(id: $id) { id } }";
    for (token, id, visible) in [
        (&finance, &received, true),
        (&finance, &fund, true),
        (&township, &received, false),
        (&township, &fund, false),
    ] {
        let reply = app.gql(Some(token), fetch, json!({"id": id})).await;
        assert_eq!(reply.ok()["node"].is_object(), visible, "{id}: {}", reply.body);
    }
}

/// 超概算: allocating beyond a project's budget needs the clerk's flag and a reason.
#[tokio::test]
async fn an_allocation_above_the_budget_needs_a_flag_and_a_reason() {
    let (app, finance, building, fund) = ledger_fixture().await;
    ok_entry(receipt(&app, &finance, &fund, "1000.00", "2026-01-05").await).await;
    // The fixture's project has a budget of 1,000,000 yuan: raise the line's money first.
    let project = project_id(&building);
    let input = json!({"fundLine": fund, "project": project, "amount": "999999.00", "date": "2026-01-06"});
    let (_, errors) = run(
        &app,
        &finance,
        "fundAllocate",
        "FundAllocateInput",
        "entry",
        input.clone(),
    )
    .await;
    assert_eq!(
        errors[0]["code"], "INSUFFICIENT_FUNDS",
        "the money check comes after: {errors}"
    );
    ok_entry(receipt(&app, &finance, &fund, "2000000.00", "2026-01-05").await).await;
    ok_entry(allocate(&app, &finance, &fund, &project, "999999.00", "2026-01-06").await).await;
    let (_, errors) = allocate(&app, &finance, &fund, &project, "2.00", "2026-01-06").await;
    assert_eq!(errors[0]["field"], json!(["input", "confirmAboveBudget"]), "{errors}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("1000001.00"),
        "{errors}"
    );
    let input = json!({"fundLine": fund, "project": project, "amount": "2.00", "date": "2026-01-06", "confirmAboveBudget": true});
    let (_, errors) = run(&app, &finance, "fundAllocate", "FundAllocateInput", "entry", input).await;
    assert_eq!(
        errors[0]["field"],
        json!(["input", "note"]),
        "a reason is needed: {errors}"
    );
    ok_entry(allocate_above_budget(&app, &finance, &fund, &project, "2.00", "2026-01-06").await).await;
}
