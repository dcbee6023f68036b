//! 贫困村退出 through the HTTP API: judging and re-judging with history, the register and
//! readiness as of past days against the test's own count, a gap assigned, claimed and
//! closed by its project's acceptance on the acceptance day (a later failed acceptance of
//! another project leaving it met), overdue gaps, and who may do what.
use crate::helpers::{PlannedDates, TestApp, notice_for, project_id, project_planned, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::lifecycle::{ProjectAction, ProjectStatus};
use tracker::domain::sector::Sector;

const JUDGE: &str = "mutation($i: ExitIndicatorJudgeInput!) { exitIndicatorJudge(input: $i) { judgement { state value judgedOn } userErrors { code field message } } }";
const READINESS: &str = "query($r: String!, $g: ExitReadinessGrouping!, $d: Date) { exitReadiness(regionCode: $r, groupBy: $g, asOf: $d) { groups { key label villages ready notReady share } total { villages ready share } } }";
const GAP_STEP: &str = "{ gap { status version department { name } deadline claimedOn closedOn overdue projects { code } } userErrors { code field message } }";
const TOWNSHIP: &str = "990101001000";
/// 城关镇's poverty villages.
const VILLAGES: [&str; 5] = [
    "990101001001",
    "990101001004",
    "990101001007",
    "990101001010",
    "990101001013",
];
const INDICATORS: [&str; 10] = [
    "ROAD",
    "WATER",
    "CLINIC",
    "POWER",
    "TELECOM",
    "EDUCATION",
    "INDUSTRY",
    "HOUSING",
    "POVERTY_INCIDENCE",
    "COLLECTIVE_INCOME",
];

async fn judge(app: &TestApp, token: &str, village: &str, indicator: &str, how: Value, date: &str) -> Value {
    let mut input = json!({"villageCode": village, "indicator": indicator, "date": date});
    for (k, v) in how.as_object().unwrap() {
        input[k] = v.clone();
    }
    let reply = app.gql(Some(token), JUDGE, json!({ "i": input })).await;
    reply.ok()["exitIndicatorJudge"].clone()
}

/// Judges every indicator of a village: `except` as given, the rest met (a measured one by
/// a value that meets it).
async fn judge_all(app: &TestApp, token: &str, village: &str, except: &[(&str, Value)], date: &str) {
    for indicator in INDICATORS {
        let how = match except.iter().find(|(i, _)| *i == indicator) {
            Some((_, how)) => how.clone(),
            None if indicator == "POVERTY_INCIDENCE" => json!({"value": "1.5"}),
            None if indicator == "COLLECTIVE_INCOME" => json!({"value": "3"}),
            None => json!({"state": "MET"}),
        };
        let payload = judge(app, token, village, indicator, how, date).await;
        assert_eq!(payload["userErrors"], json!([]), "{village} {indicator}");
    }
}

/// Independently: of the fixture's villages, those meeting all, and each indicator's count.
fn share(ready: u32, of: u32) -> String {
    let hundredths = (ready * 20_000 + of) / (2 * of);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[tokio::test]
async fn villages_are_judged_gaps_handed_out_and_closed_by_their_projects() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    let transport = app.demo_login("transport").await;
    let water = app.demo_login("water").await;
    // V1: all but the road; V4: all; V7: all, the clinic not applicable; V10 and V13 unjudged.
    judge_all(
        &app,
        &township,
        VILLAGES[0],
        &[("ROAD", json!({"state": "GAP"}))],
        "2026-03-01",
    )
    .await;
    judge_all(&app, &township, VILLAGES[1], &[], "2026-03-02").await;
    judge_all(
        &app,
        &township,
        VILLAGES[2],
        &[("CLINIC", json!({"state": "NOT_APPLICABLE"}))],
        "2026-03-02",
    )
    .await;

    // A measured indicator follows its threshold; a re-judgement is kept with its day.
    let payload = judge(
        &app,
        &township,
        VILLAGES[3],
        "POVERTY_INCIDENCE",
        json!({"value": "3.2"}),
        "2026-03-01",
    )
    .await;
    assert_eq!(
        payload["judgement"],
        json!({"state": "GAP", "value": "3.2", "judgedOn": "2026-03-01"})
    );
    let payload = judge(
        &app,
        &township,
        VILLAGES[3],
        "POVERTY_INCIDENCE",
        json!({"value": "2.9"}),
        "2026-03-20",
    )
    .await;
    assert_eq!(payload["judgement"]["state"], json!("MET"));
    // Refused: a value for a judged indicator, a state for a measured one, an unknown
    // indicator, a day before the previous judgement, another township's village, a department.
    for (token, village, indicator, how, date, field, code) in [
        (
            &township,
            VILLAGES[4],
            "ROAD",
            json!({"value": "1"}),
            "2026-03-01",
            json!(["input", "state"]),
            "INVALID_INPUT",
        ),
        (
            &township,
            VILLAGES[4],
            "POVERTY_INCIDENCE",
            json!({"state": "MET"}),
            "2026-03-01",
            json!(["input", "value"]),
            "INVALID_INPUT",
        ),
        (
            &township,
            VILLAGES[4],
            "SCHOOL_BUS",
            json!({"state": "MET"}),
            "2026-03-01",
            json!(["input", "indicator"]),
            "NOT_FOUND",
        ),
        (
            &township,
            VILLAGES[3],
            "POVERTY_INCIDENCE",
            json!({"value": "1"}),
            "2026-03-19",
            json!(["input", "date"]),
            "INVALID_INPUT",
        ),
        (
            &township,
            "990101002001",
            "ROAD",
            json!({"state": "MET"}),
            "2026-03-01",
            Value::Null,
            "FORBIDDEN",
        ),
        (
            &transport,
            VILLAGES[4],
            "ROAD",
            json!({"state": "MET"}),
            "2026-03-01",
            Value::Null,
            "FORBIDDEN",
        ),
    ] {
        let payload = judge(&app, token, village, indicator, how, date).await;
        assert_eq!(
            (
                payload["userErrors"][0]["field"].clone(),
                payload["userErrors"][0]["code"].as_str()
            ),
            (field, Some(code)),
            "{village} {indicator}: {payload}"
        );
    }

    // The register as of two days.
    let register = |day: &'static str| {
        let app = &app;
        let token = coordinator.clone();
        async move {
            let reply = app
                .gql(
                    Some(&token),
                    "query($d: Date) { exitRegister(regionCode: \"990101001000\", asOf: $d) { standard { isDefault indicators { code } } villages { village { code } ready gaps judgements { state } } } }",
                    json!({"d": day}),
                )
                .await;
            reply.ok()["exitRegister"].clone()
        }
    };
    let before = register("2026-02-28").await;
    assert_eq!(before["villages"].as_array().unwrap().len(), 5);
    assert!(
        before["villages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["ready"] == json!(false))
    );
    let march = register("2026-03-03").await;
    let v1 = &march["villages"][0];
    assert_eq!(
        (v1["ready"].clone(), v1["gaps"].clone()),
        (json!(false), json!(["ROAD"]))
    );
    assert_eq!(march["villages"][1]["ready"], json!(true));
    assert_eq!(march["villages"][2]["judgements"][2]["state"], json!("NOT_APPLICABLE"));
    assert_eq!(march["villages"][2]["ready"], json!(true));

    // Readiness by township and by indicator, against the fixture: V4 and V7 ready of five.
    let reply = app
        .gql(
            Some(&coordinator),
            READINESS,
            json!({"r": TOWNSHIP, "g": "TOWNSHIP", "d": "2026-03-03"}),
        )
        .await;
    let readiness = &reply.ok()["exitReadiness"];
    assert_eq!(
        readiness["groups"],
        json!([{"key": TOWNSHIP, "label": "城关镇", "villages": 5, "ready": 2, "notReady": 3, "share": share(2, 5)}])
    );
    let reply = app
        .gql(
            Some(&coordinator),
            READINESS,
            json!({"r": TOWNSHIP, "g": "INDICATOR", "d": "2026-03-03"}),
        )
        .await;
    let by_indicator = reply.ok()["exitReadiness"]["groups"].as_array().unwrap().clone();
    // ROAD: V4, V7; POVERTY_INCIDENCE: V1, V4, V7 (V10 was above the line until 03-20); the rest V1, V4, V7.
    for group in &by_indicator {
        let expected = if group["key"] == json!("ROAD") { 2 } else { 3 };
        assert_eq!(group["ready"], json!(expected), "{group}");
        assert_eq!(group["share"], json!(share(expected, 5)), "{group}");
    }
    assert_eq!(by_indicator.len(), 10);

    // The road gap: assigned to the transport bureau, claimed, linked to a road project.
    let reply = app
        .gql(
            Some(&coordinator),
            "{ gapList(regionCode: \"990101001000\", filter: {indicator: \"ROAD\"}) { totalCount nodes { id version status openedOn } } }",
            json!({}),
        )
        .await;
    let list = &reply.ok()["gapList"];
    assert_eq!(list["totalCount"], json!(1));
    let gap = list["nodes"][0].clone();
    assert_eq!(
        (gap["status"].clone(), gap["openedOn"].clone()),
        (json!("OPEN"), json!("2026-03-01"))
    );
    let transport_id = crate::helpers::department_id(&app, "示范县交通运输局").await;
    let step = |mutation: &'static str, token: String, input: Value| {
        let app = &app;
        async move {
            let reply = app
                .gql(
                    Some(&token),
                    &format!("mutation($i: ExitGapStepInput!) {{ {mutation}(input: $i) {GAP_STEP} }}"),
                    json!({ "i": input }),
                )
                .await;
            reply.ok()[mutation].clone()
        }
    };
    // The township sees its village's gap but does not hand it out; the transport bureau
    // does not see it until it is assigned.
    for (token, code) in [(&township, "FORBIDDEN"), (&transport, "NOT_FOUND")] {
        let payload = step(
            "exitGapAssign",
            token.clone(),
            json!({"gap": gap["id"], "expectedVersion": 1, "department": transport_id, "deadline": "2026-06-30", "date": "2026-03-05"}),
        )
        .await;
        assert_eq!(payload["userErrors"][0]["code"], json!(code));
    }
    let payload = step(
        "exitGapAssign",
        coordinator.clone(),
        json!({"gap": gap["id"], "expectedVersion": 1, "department": transport_id, "deadline": "2026-06-30", "date": "2026-03-05"}),
    )
    .await;
    assert_eq!(payload["gap"]["status"], json!("ASSIGNED"));
    let payload = step(
        "exitGapClaim",
        water.clone(),
        json!({"gap": gap["id"], "expectedVersion": 2, "date": "2026-03-06"}),
    )
    .await;
    assert_eq!(
        payload["userErrors"][0]["code"],
        json!("NOT_FOUND"),
        "water does not see it"
    );
    let payload = step(
        "exitGapClaim",
        transport.clone(),
        json!({"gap": gap["id"], "expectedVersion": 2, "date": "2026-03-06"}),
    )
    .await;
    assert_eq!(
        (payload["gap"]["status"].clone(), payload["gap"]["claimedOn"].clone()),
        (json!("CLAIMED"), json!("2026-03-06"))
    );
    let far = PlannedDates {
        start: "2026-01-02".parse().unwrap(),
        finish: "2026-11-30".parse().unwrap(),
        claim_deadline: "2026-11-30".parse().unwrap(),
    };
    let road = project_planned(
        &app,
        ProjectStatus::Completed,
        Sector::Road,
        None,
        &[VILLAGES[0]],
        5,
        far,
    )
    .await;
    let second = project_planned(
        &app,
        ProjectStatus::Completed,
        Sector::Road,
        None,
        &[VILLAGES[0]],
        5,
        far,
    )
    .await;
    let elsewhere = project_planned(
        &app,
        ProjectStatus::Completed,
        Sector::Road,
        None,
        &["990101002001"],
        5,
        far,
    )
    .await;
    let payload = step(
        "exitGapLinkProject",
        transport.clone(),
        json!({"gap": gap["id"], "expectedVersion": 3, "project": project_id(&elsewhere)}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "project"]));
    for (version, project) in (3..).zip([&road, &second]) {
        let payload = step(
            "exitGapLinkProject",
            transport.clone(),
            json!({"gap": gap["id"], "expectedVersion": version, "project": project_id(project)}),
        )
        .await;
        assert_eq!(payload["userErrors"], json!([]));
    }

    // Accepted on 04-10: the road is met from that day, with the project as evidence.
    notice_for(&app, &json!(project_id(&road)), ProjectAction::Accept, "2026-04-10").await;
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($p: ID!, $v: Int!) { projectAccept(input: {project: $p, expectedVersion: $v, grade: QUALIFIED, date: \"2026-04-10\"}) { userErrors { message } } }",
            json!({"p": project_id(&road), "v": road.version}),
        )
        .await;
    assert_eq!(reply.ok()["projectAccept"]["userErrors"], json!([]));
    // The other linked project fails its acceptance later: history stays as it was.
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($p: ID!, $v: Int!) { projectFailAcceptance(input: {project: $p, expectedVersion: $v, findings: \"路面开裂\", date: \"2026-04-20\"}) { userErrors { message } } }",
            json!({"p": project_id(&second), "v": second.version}),
        )
        .await;
    assert_eq!(reply.ok()["projectFailAcceptance"]["userErrors"], json!([]));
    assert_eq!(register("2026-04-09").await["villages"][0]["gaps"], json!(["ROAD"]));
    let april = register("2026-04-25").await;
    assert_eq!(april["villages"][0]["ready"], json!(true), "{april}");
    let reply = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on ExitGap { status closedOn projects { code } } } }",
            json!({"id": gap["id"]}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"],
        json!({"status": "CLOSED", "closedOn": "2026-04-10", "projects": [{"code": road.code}, {"code": second.code}]})
    );
    let reply = app
        .gql(
            Some(&coordinator),
            READINESS,
            json!({"r": TOWNSHIP, "g": "TOWNSHIP", "d": "2026-04-25"}),
        )
        .await;
    assert_eq!(
        reply.ok()["exitReadiness"]["total"],
        json!({"villages": 5, "ready": 3, "share": share(3, 5)})
    );

    // Overdue gaps: V13's road, judged a gap and assigned with a deadline in the past.
    judge(
        &app,
        &township,
        VILLAGES[4],
        "ROAD",
        json!({"state": "GAP"}),
        "2026-03-01",
    )
    .await;
    let reply = app
        .gql(
            Some(&coordinator),
            "{ gapList(regionCode: \"990101001013\") { nodes { id version } } }",
            json!({}),
        )
        .await;
    let late = reply.ok()["gapList"]["nodes"][0].clone();
    step(
        "exitGapAssign",
        coordinator.clone(),
        json!({"gap": late["id"], "expectedVersion": late["version"], "department": transport_id, "deadline": "2026-05-31", "date": "2026-03-05"}),
    )
    .await;
    let reply = app
        .gql(
            Some(&transport),
            "{ gapList(regionCode: \"990101000000\", filter: {overdue: true}) { totalCount nodes { overdue village { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["gapList"],
        json!({"totalCount": 1, "nodes": [{"overdue": true, "village": {"code": "990101001013"}}]})
    );
    // The same rule in `alerts`: not on the deadline, a day late the next.
    for (day, expected) in [("2026-05-31", 0), ("2026-06-01", 1)] {
        let reply = app
            .gql(
                Some(&coordinator),
                "query($d: Date) { alerts(regionCode: \"990101000000\", kinds: [EXIT_GAP_OVERDUE], asOf: $d) { daysOverdue dueOn exitGap { indicatorCode } responsibleDepartment { name } } }",
                json!({"d": day}),
            )
            .await;
        let alerts = reply.ok()["alerts"].as_array().unwrap().clone();
        assert_eq!(alerts.len(), expected, "{day}");
        if expected == 1 {
            assert_eq!(
                alerts[0],
                json!({"daysOverdue": 1, "dueOn": "2026-05-31", "exitGap": {"indicatorCode": "ROAD"}, "responsibleDepartment": {"name": "示范县交通运输局"}})
            );
        }
    }
    // The spreadsheets: villages as rows, indicators as columns; the gaps.
    let csv = app
        .get_with_token(
            "/exports/exit-register.csv?regionCode=990101001000&asOf=2026-04-25",
            &coordinator,
        )
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains("贫困发生率 < 3%") && header.ends_with("是否达标"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows[0].starts_with("城关镇,") && rows[0].ends_with(",是"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("1.5%(达标)"), "{}", rows[0]);
    assert!(rows[4].contains("未研判") && rows[4].ends_with(",否"), "{}", rows[4]);
    let csv = app
        .get_with_token("/exports/gap-list.csv?regionCode=990101001000", &coordinator)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("通硬化路,已销号,2026-03-01,示范县交通运输局,2026-06-30")),
        "{csv}"
    );
    // A village's counts give its 贫困发生率 when the judgement names no value.
    let set = "mutation($i: VillageFiguresSetInput!) { villageFiguresSet(input: $i) { figures { year povertyIncidence } userErrors { code field } } }";
    let figures = |exited: i32| json!({"i": {"villageCode": VILLAGES[4], "year": 2026, "population": 500, "poorHouseholds": 8, "poorPeople": 20, "exitedHouseholds": 4, "exitedPeople": exited}});
    let reply = app.gql(Some(&township), set, figures(21)).await;
    assert_eq!(
        reply.ok()["villageFiguresSet"]["userErrors"][0]["field"],
        json!(["input", "exitedPeople"])
    );
    let reply = app.gql(Some(&transport), set, figures(8)).await;
    assert_eq!(
        reply.ok()["villageFiguresSet"]["userErrors"][0]["code"],
        json!("FORBIDDEN")
    );
    let reply = app.gql(Some(&township), set, figures(8)).await;
    assert_eq!(
        reply.ok()["villageFiguresSet"]["figures"],
        json!({"year": 2026, "povertyIncidence": "2.40"})
    );
    let payload = judge(
        &app,
        &township,
        VILLAGES[4],
        "POVERTY_INCIDENCE",
        json!({}),
        "2026-06-05",
    )
    .await;
    assert_eq!(
        payload["judgement"],
        json!({"state": "MET", "value": "2.40", "judgedOn": "2026-06-05"})
    );
    // Without counts for the year, the value is needed.
    let payload = judge(
        &app,
        &township,
        VILLAGES[3],
        "POVERTY_INCIDENCE",
        json!({}),
        "2026-06-05",
    )
    .await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "value"]));
    // The county's own indicators judge the county itself, by the poverty office.
    let payload = judge(
        &app,
        &township,
        "990101000000",
        "COUNTY_POVERTY_INCIDENCE",
        json!({"value": "1.9"}),
        "2026-06-05",
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], json!("FORBIDDEN"));
    let payload = judge(
        &app,
        &coordinator,
        VILLAGES[0],
        "COUNTY_POVERTY_INCIDENCE",
        json!({"value": "1.9"}),
        "2026-06-05",
    )
    .await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "villageCode"]));
    let payload = judge(
        &app,
        &coordinator,
        "990101000000",
        "COUNTY_POVERTY_INCIDENCE",
        json!({"value": "1.9"}),
        "2026-06-05",
    )
    .await;
    assert_eq!(payload["judgement"]["state"], json!("MET"));
    let reply = app
        .gql(
            Some(&coordinator),
            "{ exitRegister(regionCode: \"990101000000\", asOf: \"2026-06-05\") { standard { indicators { code level } } countyJudgements { state value } } }",
            json!({}),
        )
        .await;
    let register = &reply.ok()["exitRegister"];
    assert_eq!(
        register["countyJudgements"],
        json!([{"state": "MET", "value": "1.9"}, null])
    );
    assert_eq!(
        register["standard"]["indicators"][10],
        json!({"code": "COUNTY_POVERTY_INCIDENCE", "level": "COUNTY"})
    );
}

#[tokio::test]
async fn each_role_reads_the_register_and_gaps_of_its_own() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let coordinator = app.demo_login("coordinator").await;
    // Gaps in 城关镇 (the road, handed to transport) and in the 2nd township (water, open).
    judge(
        &app,
        &township,
        VILLAGES[0],
        "ROAD",
        json!({"state": "GAP"}),
        "2026-03-01",
    )
    .await;
    // The database holds one open gap per village and indicator, whatever writes at once.
    {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        let second = entity::exit_gap::Entity::insert(entity::exit_gap::ActiveModel {
            county_code: Set("990101000000".into()),
            village_code: Set(VILLAGES[0].into()),
            indicator_code: Set("ROAD".into()),
            status: Set("OPEN".into()),
            opened_on: Set("2026-03-01".parse().unwrap()),
            version: Set(1),
            ..Default::default()
        })
        .exec(&app.db)
        .await;
        assert!(second.is_err(), "a second open gap was stored");
    }
    let other = crate::helpers::township_clerk(&app, "990101002").await;
    let other = app.login(&other.username, "long-enough").await;
    judge(
        &app,
        &other,
        "990101002001",
        "WATER",
        json!({"state": "GAP"}),
        "2026-03-01",
    )
    .await;
    let reply = app
        .gql(
            Some(&coordinator),
            "{ gapList(regionCode: \"990101001000\") { nodes { id version } } }",
            json!({}),
        )
        .await;
    let gap = reply.ok()["gapList"]["nodes"][0].clone();
    let transport_id = crate::helpers::department_id(&app, "示范县交通运输局").await;
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($i: ExitGapStepInput!) { exitGapAssign(input: $i) { userErrors { message } } }",
            json!({"i": {"gap": gap["id"], "expectedVersion": gap["version"], "department": transport_id, "deadline": "2026-06-30", "date": "2026-03-05"}}),
        )
        .await;
    assert_eq!(reply.ok()["exitGapAssign"]["userErrors"], json!([]));
    // (user, gaps seen in the county, may read the county's register)
    for (user, gaps, register) in [
        ("coordinator", 2, true),
        ("inspector", 2, true),
        ("finance", 2, true),
        ("admin", 2, true),
        ("transport", 1, true),
        ("water", 0, true),
        ("township", 1, false),
    ] {
        let token = app.demo_login(user).await;
        let reply = app
            .gql(
                Some(&token),
                "{ gapList(regionCode: \"990101000000\") { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(reply.ok()["gapList"]["totalCount"], json!(gaps), "{user}");
        let reply = app
            .gql(
                Some(&token),
                "{ exitRegister(regionCode: \"990101000000\") { villages { ready } } }",
                json!({}),
            )
            .await;
        assert_eq!(reply.error_code().is_none(), register, "{user}: {}", reply.body);
    }
    // A township reads its own register; a clerk of another township does not see 城关镇's.
    let reply = app
        .gql(
            Some(&township),
            "{ exitRegister(regionCode: \"990101001000\") { villages { village { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.ok()["exitRegister"]["villages"].as_array().unwrap().len(), 5);
    let reply = app
        .gql(
            Some(&other),
            "{ exitRegister(regionCode: \"990101001000\") { villages { ready } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.error_code(), Some("FORBIDDEN"));
    // An acceptance dated before the gap was found meets it from the day it was found: the
    // register and the gap list agree.
    let far = PlannedDates {
        start: "2026-01-02".parse().unwrap(),
        finish: "2026-11-30".parse().unwrap(),
        claim_deadline: "2026-11-30".parse().unwrap(),
    };
    let road = project_planned(
        &app,
        ProjectStatus::Completed,
        Sector::Road,
        None,
        &[VILLAGES[0]],
        5,
        far,
    )
    .await;
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($i: ExitGapStepInput!) { exitGapLinkProject(input: $i) { userErrors { message } } }",
            json!({"i": {"gap": gap["id"], "expectedVersion": 2, "project": project_id(&road)}}),
        )
        .await;
    assert_eq!(reply.ok()["exitGapLinkProject"]["userErrors"], json!([]));
    notice_for(&app, &json!(project_id(&road)), ProjectAction::Accept, "2026-02-20").await;
    let reply = app
        .gql(
            Some(&coordinator),
            "mutation($p: ID!, $v: Int!) { projectAccept(input: {project: $p, expectedVersion: $v, grade: QUALIFIED, date: \"2026-02-20\"}) { userErrors { message } } }",
            json!({"p": project_id(&road), "v": road.version}),
        )
        .await;
    assert_eq!(reply.ok()["projectAccept"]["userErrors"], json!([]));
    let reply = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { node(id: $id) { ... on ExitGap { status closedOn } } exitRegister(regionCode: \"990101001001\", asOf: \"2026-03-01\") { villages { judgements { state judgedOn } } } }",
            json!({"id": gap["id"]}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"],
        json!({"status": "CLOSED", "closedOn": "2026-03-01"})
    );
    assert_eq!(
        reply.ok()["exitRegister"]["villages"][0]["judgements"][0],
        json!({"state": "MET", "judgedOn": "2026-03-01"})
    );
    // Only poverty villages are judged; a standard does not take effect before the latest.
    let payload = judge(
        &app,
        &township,
        "990101001002",
        "ROAD",
        json!({"state": "MET"}),
        "2026-03-01",
    )
    .await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "villageCode"]));
    let set = "mutation($i: ExitStandardSetInput!) { exitStandardSet(input: $i) { standard { version } userErrors { field } } }";
    let standard = |day: &str| json!({"i": {"countyCode": "990101000000", "effectiveFrom": day, "name": "示范县贫困村退出标准", "indicators": [{"code": "ROAD", "name": "通硬化路", "kind": "JUDGED", "source": "示扶〔2026〕1号"}]}});
    let reply = app.gql(Some(&coordinator), set, standard("2026-07-01")).await;
    assert_eq!(reply.ok()["exitStandardSet"]["standard"]["version"], json!(1));
    let reply = app.gql(Some(&coordinator), set, standard("2026-06-30")).await;
    assert_eq!(
        reply.ok()["exitStandardSet"]["userErrors"][0]["field"],
        json!(["input", "effectiveFrom"])
    );
}
