-- Each member of staff's user ids in the work apps (WeCom, DingTalk), from routing's
-- `organisation.published`: where a staff notice also reaches them in person.
CREATE TABLE staff_apps (
    tenant TEXT NOT NULL,
    staff TEXT NOT NULL,
    wecom TEXT NOT NULL,
    dingtalk TEXT NOT NULL,
    PRIMARY KEY (tenant, staff)
);
