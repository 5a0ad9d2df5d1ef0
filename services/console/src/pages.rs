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
    attachments: &'static str,
    receipt: &'static str,
    status_link: &'static str,
    status_title: &'static str,
    status_intro: &'static str,
    case_number: &'static str,
    phone_last4: &'static str,
    send_code: &'static str,
    code_sent: &'static str,
    code: &'static str,
    open: &'static str,
    receipt_code: &'static str,
    or_receipt: &'static str,
    status: &'static str,
    received: &'static str,
    deadlines: &'static str,
    progress: &'static str,
    questions: &'static str,
    no_questions: &'static str,
    your_answer: &'static str,
    answer: &'static str,
    answered: &'static str,
    colon: &'static str,
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
    attachments: "附件（图片、PDF、文档、音视频；最多5个，每个不超过10MB）",
    receipt: "您的回执码（仅显示这一次，请抄写保存，凭此查询进度）：",
    status_link: "查询投诉进度",
    status_title: "投诉进度查询",
    status_intro: "凭投诉单号、手机号后四位和短信验证码查询；匿名提交的，凭回执码查询。",
    case_number: "投诉单号",
    phone_last4: "手机号后四位",
    send_code: "获取验证码",
    code_sent: "如投诉单号与手机号相符，验证码已发送至您的手机，10分钟内有效。",
    code: "短信验证码",
    open: "查询",
    receipt_code: "回执码",
    or_receipt: "匿名提交的，请输入回执码",
    status: "当前状态",
    received: "登记时间",
    deadlines: "办理时限",
    progress: "办理进度",
    questions: "办理人员的提问",
    no_questions: "暂无需要您答复的问题。",
    your_answer: "您的答复",
    answer: "提交答复",
    answered: "您的答复：",
    colon: "：",
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
    attachments: "Attachments (photos, PDF, documents, audio or video; up to 5 files of 10 MB each)",
    receipt: "Your receipt code (shown only this once: write it down; you follow the case with it): ",
    status_link: "Follow your case",
    status_title: "Follow your case",
    status_intro: "Enter your case number, the last four digits of your mobile number and the code we text you; if you submitted anonymously, enter your receipt code.",
    case_number: "Case number",
    phone_last4: "Last four digits of your mobile",
    send_code: "Text me a code",
    code_sent: "If the case number and the mobile number match, a code is on its way to your phone; it is valid for 10 minutes.",
    code: "Code from the text message",
    open: "Show my case",
    receipt_code: "Receipt code",
    or_receipt: "Submitted anonymously? Enter your receipt code",
    status: "Status",
    received: "Received",
    deadlines: "Deadlines",
    progress: "Progress",
    questions: "Questions from the people handling your case",
    no_questions: "Nothing to answer at the moment.",
    your_answer: "Your answer",
    answer: "Send answer",
    answered: "Your answer: ",
    colon: ": ",
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
<label>{attachments}<input type="file" name="attachments" multiple></label>
<button type="submit">{submit}</button></form>
<p id="result" role="status"></p>
<p id="receipt" hidden>{receipt}<code id="receipt-code"></code></p>
<p>{follow} <a href="/status">{status_link}</a></p>
<p><a href="/staff/">{staff}</a></p>
<script>
document.getElementById('complaint').addEventListener('submit', async (event) => {{
  event.preventDefault();
  const f = event.target; const anonymous = f.anonymous.checked;
  const person = {{}};
  for (const k of ['name','phone','email']) if (f[k].value.trim()) person[k] = f[k].value.trim();
  const body = {{channel: 'web', narrative: f.narrative.value, anonymous}};
  if (!anonymous || Object.keys(person).length) body.complainant = person;
  const form = new FormData();
  form.append('complaint', new Blob([JSON.stringify(body)], {{type: 'application/json'}}));
  for (const file of f.attachments.files) form.append('attachments', file, file.name);
  const response = await fetch('/api/v1/complaints', {{method: 'POST', headers: {{'Accept-Language': document.documentElement.lang}}, body: form}});
  const json = await response.json();
  const result = document.getElementById('result');
  if (response.ok) {{
    result.textContent = '{registered}';
    const number = document.createElement('span'); number.id = 'case-number'; number.textContent = json.case_number;
    result.appendChild(number);
    if (json.receipt_code) {{
      document.getElementById('receipt-code').textContent = json.receipt_code;
      document.getElementById('receipt').hidden = false;
    }}
    f.reset();
  }} else {{
    result.textContent = '{failed}' + json.error.message + (json.error.field ? ' (' + json.error.field + ')' : '');
  }}
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
        attachments = w.attachments,
        receipt = w.receipt,
        status_link = w.status_link,
    );
    ([(header::CONTENT_LANGUAGE, w.lang)], Html(page)).into_response()
}

/// `GET /status`: the complainant follows the case (decision 0008) — case number, the last four
/// digits of the phone and a one-time code, or the receipt code — and answers questions.
pub async fn status(headers: HeaderMap) -> Response {
    let w = words(&headers);
    let page = format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{status_title}</title>
<style>body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}}
label{{display:block;margin-top:.8rem}}input,textarea{{width:100%;padding:.4rem;box-sizing:border-box}}
button{{margin-top:.8rem;padding:.5rem 1.2rem}}#message{{font-weight:bold}}section{{margin-top:1.5rem}}</style></head>
<body><h1>{status_title}</h1><p>{status_intro}</p>
<form id="by-code"><label>{case_number}<input name="case_number" required maxlength="64"></label>
<label>{phone_last4}<input name="phone_last4" required inputmode="numeric" pattern="[0-9]{{4}}" maxlength="4"></label>
<button type="submit">{send_code}</button></form>
<form id="with-code" hidden><label>{code}<input name="code" required inputmode="numeric" maxlength="6"></label>
<button type="submit">{open}</button></form>
<form id="by-receipt"><label>{or_receipt}<input name="receipt_code" required maxlength="64" placeholder="{receipt_code}"></label>
<button type="submit">{open}</button></form>
<p id="message" role="status"></p>
<section id="case" hidden>
<h2 id="case-number"></h2>
<p>{status}{colon}<strong id="status-label"></strong></p>
<p>{received}{colon}<span id="received-at"></span></p>
<h3>{deadlines}</h3><ul id="deadlines"></ul>
<h3>{progress}</h3><ol id="timeline"></ol>
<h3>{questions}</h3><div id="questions"></div>
</section>
<script>
const lang = document.documentElement.lang;
let challenge = null, caseNumber = null, session = null;
const message = (text) => {{ document.getElementById('message').textContent = text; }};
const post = async (path, body, auth) => {{
  const headers = {{'Content-Type': 'application/json', 'Accept-Language': lang}};
  if (auth) headers.Authorization = 'Bearer ' + auth;
  const response = await fetch(path, {{method: 'POST', headers, body: JSON.stringify(body)}});
  return [response, await response.json()];
}};
const when = (at) => new Date(at).toLocaleString(lang);
const item = (list, text) => {{ const li = document.createElement('li'); li.textContent = text; list.appendChild(li); return li; }};
async function show() {{
  const response = await fetch('/api/v1/status', {{headers: {{'Authorization': 'Bearer ' + session, 'Accept-Language': lang}}}});
  const view = await response.json();
  if (!response.ok) {{ message(view.error.message); return; }}
  message('');
  document.getElementById('case').hidden = false;
  document.getElementById('case-number').textContent = view.case_number + ' · ' + view.kind_label;
  document.getElementById('status-label').textContent = view.status_label;
  document.getElementById('received-at').textContent = when(view.received_at);
  const deadlines = document.getElementById('deadlines'); deadlines.replaceChildren();
  for (const d of view.deadlines) item(deadlines, d.label + '{colon}' + when(d.due_at));
  const timeline = document.getElementById('timeline'); timeline.replaceChildren();
  for (const step of view.timeline) item(timeline, when(step.at) + ' ' + step.label).dataset.step = step.step;
  const questions = document.getElementById('questions'); questions.replaceChildren();
  if (!view.questions.length) {{ const p = document.createElement('p'); p.textContent = '{no_questions}'; questions.appendChild(p); }}
  for (const q of view.questions) {{
    const box = document.createElement('div'); box.className = 'question'; box.dataset.n = q.n;
    const asked = document.createElement('p'); asked.textContent = q.n + '. ' + q.question; box.appendChild(asked);
    if (q.answer) {{
      const answered = document.createElement('p'); answered.className = 'answer'; answered.textContent = '{answered}' + q.answer; box.appendChild(answered);
    }} else {{
      const form = document.createElement('form'); form.className = 'answer-form';
      const label = document.createElement('label'); label.textContent = '{your_answer}';
      const text = document.createElement('textarea'); text.name = 'text'; text.required = true; text.maxLength = 5000; label.appendChild(text);
      const button = document.createElement('button'); button.type = 'submit'; button.textContent = '{answer}';
      form.append(label, button);
      form.addEventListener('submit', async (e) => {{
        e.preventDefault();
        const [r, j] = await post('/api/v1/status/questions/' + q.n + '/answer', {{text: text.value}}, session);
        if (r.ok) await show(); else message(j.error.message);
      }});
      box.appendChild(form);
    }}
    questions.appendChild(box);
  }}
}}
document.getElementById('by-code').addEventListener('submit', async (e) => {{
  e.preventDefault();
  caseNumber = e.target.case_number.value.trim();
  const [r, j] = await post('/api/v1/status/codes', {{case_number: caseNumber, phone_last4: e.target.phone_last4.value.trim()}});
  if (!r.ok) {{ message(j.error.message); return; }}
  challenge = j.challenge_id;
  message('{code_sent}');
  document.getElementById('with-code').hidden = false;
}});
document.getElementById('with-code').addEventListener('submit', async (e) => {{
  e.preventDefault();
  const [r, j] = await post('/api/v1/status/sessions', {{case_number: caseNumber, challenge_id: challenge, code: e.target.code.value.trim()}});
  if (!r.ok) {{ message(j.error.message); return; }}
  session = j.session; await show();
}});
document.getElementById('by-receipt').addEventListener('submit', async (e) => {{
  e.preventDefault();
  const [r, j] = await post('/api/v1/status/sessions', {{receipt_code: e.target.receipt_code.value.trim()}});
  if (!r.ok) {{ message(j.error.message); return; }}
  session = j.session; await show();
}});
</script></body></html>"#,
        lang = w.lang,
        status_title = w.status_title,
        status_intro = w.status_intro,
        case_number = w.case_number,
        phone_last4 = w.phone_last4,
        send_code = w.send_code,
        code_sent = w.code_sent,
        code = w.code,
        open = w.open,
        receipt_code = w.receipt_code,
        or_receipt = w.or_receipt,
        status = w.status,
        received = w.received,
        deadlines = w.deadlines,
        progress = w.progress,
        questions = w.questions,
        no_questions = w.no_questions,
        your_answer = w.your_answer,
        answer = w.answer,
        answered = w.answered,
        colon = w.colon,
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
