//! The console in a real browser: the tasks people do, found by their labels and button texts.
//! Each test starts the application and its own headless Chromium. With
//! `STREETWISE_SCREENSHOTS=1` they also save the README's screenshots in `docs/screenshots/`.

mod driver;

use reqwest::StatusCode;
use serde_json::Value;
use streetwise::auth::accounts;
use streetwise::domain::Principal;
use streetwise_tests::{TestApp, appeal};

use driver::Browser;

/// The password each person chooses at their first sign-in in these tests.
const OWN_PASSWORD: &str = "console-2026-ok";

/// Creates an account as district IT does; returns the one-time password.
async fn account(app: &TestApp, staff_id: &str) -> String {
    accounts::create(
        app.platform.db(),
        &app.platform.reference(),
        staff_id,
        None,
        &Principal::bootstrap_admin(),
    )
    .await
    .expect("the account is created")
    .password
}

/// Signs `staff_id` in for the first time through the pages: the one-time password, then a
/// password of their own. Leaves the browser on their home page.
async fn first_sign_in(browser: &Browser, app: &TestApp, staff_id: &str) {
    let one_time = account(app, staff_id).await;
    browser.open(&format!("{}/login", app.address)).await;
    browser.fill("用户名", staff_id).await;
    browser.fill("密码", &one_time).await;
    browser.click("登录").await;
    browser.wait_for_text("修改密码").await;
    browser.fill("原密码", &one_time).await;
    browser.fill("新密码", OWN_PASSWORD).await;
    browser.fill("确认新密码", OWN_PASSWORD).await;
    browser.click("保存新密码").await;
    browser.wait_for_text("退出").await;
}

/// A 布吉 appeal with a reporter, entered by the hotline (the admin token).
async fn buji_case(app: &TestApp) -> Value {
    app.submit(appeal("布吉街道木棉湾社区消防通道被杂物堵塞", "布吉", None))
        .await
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_signs_the_dispatcher_in() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start("sign-in").await else {
        return;
    };
    let dispatcher = "district.command-centre.001";
    let one_time = account(&app, dispatcher).await;
    browser.open(&format!("{}/login", app.address)).await;
    browser.wait_for_text("登录").await;
    browser.screenshot("login").await;
    browser.fill("用户名", dispatcher).await;
    browser.fill("密码", "not-the-password-1").await;
    browser.click("登录").await;
    browser.wait_for_text("用户名或密码错误").await;

    browser.fill("用户名", dispatcher).await;
    browser.fill("密码", &one_time).await;
    browser.click("登录").await;
    browser.wait_for_text("修改密码").await;
    browser.fill("原密码", &one_time).await;
    browser.fill("新密码", OWN_PASSWORD).await;
    browser.fill("确认新密码", OWN_PASSWORD).await;
    browser.click("保存新密码").await;
    // The dispatcher's home is the dispatch board.
    browser.wait_for_text("各街道案件统计").await;
    browser.wait_for_text("刘晓敏").await;
    browser.close().await;
}

#[tokio::test]
async fn a_handler_signs_for_a_case_and_finishes_it_through_the_pages() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start("handler").await else {
        return;
    };
    let case = buji_case(&app).await;
    let id = case["id"].as_str().unwrap();
    let handler = app.person_for(id, "handler").await;
    first_sign_in(&browser, &app, &handler).await;
    // Their home is their inbox, with the case in it.
    browser.wait_for_text("本单位在办案件").await;
    browser.wait_for_text("消防通道被杂物堵塞").await;
    browser.screenshot("inbox").await;

    browser.open(&format!("{}/cases/{id}", app.address)).await;
    browser.click("签收").await;
    browser.wait_for_text("已完成：签收").await;
    // A colleague's app starts the case meanwhile: the page is stale, and the server's refusal
    // comes back in Chinese with the page as it is now.
    let colleague = app.staff_token(&handler).await;
    let (status, body) = app
        .act_as(&colleague, id, serde_json::json!({ "action": "start" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    browser.click("开始处置").await;
    browser.wait_for_text("不能执行").await;
    browser
        .fill("办理情况", "已清理通道内杂物，现场恢复畅通")
        .await;
    browser.click("办结").await;
    browser.wait_for_text("已完成：办结").await;
    browser.screenshot("case").await;
    browser.close().await;

    let event = app.event(id).await;
    assert_eq!(event["status"], "handled", "{event}");
    let timeline = app.timeline(id).await;
    let last = timeline["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["actor"], handler.as_str());
    assert_eq!(last["note"], "已清理通道内杂物，现场恢复畅通");
}

#[tokio::test]
async fn the_centre_reveals_a_number_and_the_audit_log_shows_who_and_when() {
    let app = TestApp::spawn().await;
    let Some(centre) = Browser::start("reveal").await else {
        return;
    };
    let case = buji_case(&app).await;
    let id = case["id"].as_str().unwrap();
    first_sign_in(&centre, &app, "district.command-centre.001").await;
    centre.open(&format!("{}/cases/{id}", app.address)).await;
    centre.wait_for_text("138****8000").await;
    assert!(!centre.text().await.contains("13800138000"));
    centre.click("查看号码").await;
    centre.wait_for_text("13800138000").await;
    centre.close().await;

    let Some(it) = Browser::start("audit").await else {
        return;
    };
    first_sign_in(&it, &app, "district.command-centre.005").await;
    it.open(&format!("{}/audit?event={id}", app.address)).await;
    it.wait_for_text("reveal_reporter").await;
    let text = it.text().await;
    assert!(
        text.contains("刘晓敏"),
        "the audit log names who revealed it: {text}"
    );
    it.open(&format!("{}/audit", app.address)).await;
    it.wait_for_text("最近的审计记录").await;
    it.screenshot("audit").await;
    it.close().await;
}

#[tokio::test]
async fn a_buji_street_admin_cannot_open_a_bantian_case() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start("other-street").await else {
        return;
    };
    let bantian = app
        .submit(appeal("坂田街道路灯不亮，晚上很黑", "坂田", None))
        .await;
    let id = bantian["id"].as_str().unwrap();
    first_sign_in(&browser, &app, "buji.office.902").await;
    // Their home is their street's plugin page.
    browser.wait_for_text("版本").await;
    browser.screenshot("plugins").await;
    browser.open(&format!("{}/cases/{id}", app.address)).await;
    browser.wait_for_text("该案件不在您的办理范围内").await;
    assert!(!browser.text().await.contains("路灯不亮"));
    browser.close().await;

    let (status, audit) = app.get(&format!("/api/v1/audit?event={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["outcome"] == "denied" && e["staff_id"] == "buji.office.902"),
        "the refusal is audited: {audit}"
    );
}

#[tokio::test]
async fn the_dispatch_board_shows_a_new_event_without_a_reload() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::start("board").await else {
        return;
    };
    buji_case(&app).await;
    first_sign_in(&browser, &app, "district.command-centre.001").await;
    browser.wait_for_text("各街道案件统计").await;
    browser.wait_for_text("消防通道被杂物堵塞").await;
    assert!(!browser.text().await.contains("宝龙街道同乐社区井盖丢失"));
    // Marks the page: a reload would lose it.
    browser
        .client
        .execute("window.__streetwise_marker = 1;", vec![])
        .await
        .unwrap();

    app.submit(appeal(
        "宝龙街道同乐社区井盖丢失，行人容易掉下去",
        "宝龙",
        None,
    ))
    .await;
    browser.wait_for_text("宝龙街道同乐社区井盖丢失").await;
    let marker = browser
        .client
        .execute("return window.__streetwise_marker || 0;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!(1), "the page was not reloaded");
    browser.screenshot("board").await;

    browser.open(&format!("{}/rankings", app.address)).await;
    browser.wait_for_text("街道排名").await;
    browser.screenshot("rankings").await;
    browser.close().await;
}
