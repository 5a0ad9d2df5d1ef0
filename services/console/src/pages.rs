//! Public pages, rendered on the server in the language of `Accept-Language`.

use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use domain::vocabulary::Language;

struct Words {
    lang: &'static str,
    title: &'static str,
    intro: &'static str,
    narrative: &'static str,
    name: &'static str,
    phone: &'static str,
    email: &'static str,
    anonymous: &'static str,
    submit: &'static str,
    registered: &'static str,
    follow: &'static str,
    staff: &'static str,
    failed: &'static str,
}

const ZH: Words = Words {
    lang: "zh-CN",
    title: "投诉与举报",
    intro: "请填写您的投诉。我们将在2个工作日内受理，并告知处理进度与结果。",
    narrative: "投诉内容",
    name: "姓名",
    phone: "手机号码",
    email: "电子邮箱",
    anonymous: "匿名提交",
    submit: "提交投诉",
    registered: "已登记，投诉单号：",
    follow: "查询进度：请保存投诉单号，凭投诉单号和手机号后四位查询。",
    staff: "工作人员登录",
    failed: "提交未成功：",
};

const EN: Words = Words {
    lang: "en",
    title: "Complaints and reports",
    intro: "Tell us what happened. We acknowledge within 2 working days and keep you informed until it is resolved.",
    narrative: "Your complaint",
    name: "Name",
    phone: "Mobile number",
    email: "E-mail",
    anonymous: "Submit anonymously",
    submit: "Submit complaint",
    registered: "Registered. Your case number: ",
    follow: "To follow your case, keep the case number; you will need it with the last four digits of your phone.",
    staff: "Staff sign-in",
    failed: "Not submitted: ",
};

fn words(headers: &HeaderMap) -> &'static Words {
    let value = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match Language::negotiate(value) {
        Language::En => &EN,
        Language::ZhCn => &ZH,
    }
}

/// `GET /`: the complaint form and the way to follow a case.
pub async fn landing(headers: HeaderMap) -> Response {
    let w = words(&headers);
    let page = format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}}
label{{display:block;margin-top:.8rem}}input,textarea{{width:100%;padding:.4rem;box-sizing:border-box}}textarea{{min-height:8rem}}
button{{margin-top:1rem;padding:.5rem 1.2rem}}#result{{margin-top:1rem;font-weight:bold}}</style></head>
<body><h1>{title}</h1><p>{intro}</p>
<form id="complaint">
<label>{narrative}<textarea name="narrative" required maxlength="20000"></textarea></label>
<label>{name}<input name="name" maxlength="100"></label>
<label>{phone}<input name="phone" inputmode="tel"></label>
<label>{email}<input name="email" type="email"></label>
<label><input type="checkbox" name="anonymous" style="width:auto"> {anonymous}</label>
<button type="submit">{submit}</button></form>
<p id="result" role="status"></p>
<p>{follow}</p>
<p><a href="/staff/">{staff}</a></p>
<script>
document.getElementById('complaint').addEventListener('submit', async (event) => {{
  event.preventDefault();
  const f = event.target; const anonymous = f.anonymous.checked;
  const person = {{}};
  for (const k of ['name','phone','email']) if (f[k].value.trim()) person[k] = f[k].value.trim();
  const body = {{channel: 'web', narrative: f.narrative.value, anonymous}};
  if (!anonymous || Object.keys(person).length) body.complainant = person;
  const response = await fetch('/api/v1/complaints', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify(body)}});
  const json = await response.json();
  document.getElementById('result').textContent = response.ok ? '{registered}' + json.case_number : '{failed}' + json.error.message;
}});
</script></body></html>"#,
        lang = w.lang,
        title = w.title,
        intro = w.intro,
        narrative = w.narrative,
        name = w.name,
        phone = w.phone,
        email = w.email,
        anonymous = w.anonymous,
        submit = w.submit,
        registered = w.registered,
        follow = w.follow,
        staff = w.staff,
        failed = w.failed,
    );
    ([(header::CONTENT_LANGUAGE, w.lang)], Html(page)).into_response()
}

/// `GET /staff/`: sign in with a token and look a case up.
pub async fn staff(headers: HeaderMap) -> Response {
    let w = words(&headers);
    let (token, case, look) = if w.lang == "en" {
        ("API token", "Case number or id", "Look up")
    } else {
        ("访问令牌", "投诉单号或编号", "查询投诉单")
    };
    let page = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{staff}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}pre{{background:#f4f4f4;padding:1rem;overflow:auto}}</style></head>
<body><h1>{staff}</h1><form id="lookup"><label>{token} <input name="token" type="password" required></label>
<label>{case} <input name="id" required></label> <button>{look}</button></form><pre id="case"></pre>
<script>
document.getElementById('lookup').addEventListener('submit', async (e) => {{
  e.preventDefault();
  const r = await fetch('/api/v1/cases/' + encodeURIComponent(e.target.id.value.trim()), {{headers: {{Authorization: 'Bearer ' + e.target.token.value}}}});
  document.getElementById('case').textContent = JSON.stringify(await r.json(), null, 2);
}});
</script></body></html>"#,
        lang = w.lang,
        staff = w.staff,
    );
    Html(page).into_response()
}
