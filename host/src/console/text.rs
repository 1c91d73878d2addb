//! The Chinese words several pages share: states, colours, channels, lifecycle actions and the
//! fields they need. Text used by one page only stays in that page's own `const` block.

use crate::domain::{Alert, Source, Status};
use crate::lifecycle::{Action, Requires};

pub const BRAND: &str = "龙岗区一网统管";
pub const BRAND_EN: &str = "Streetwise";
pub const SIGN_OUT: &str = "退出";
pub const HOME: &str = "返回首页";
pub const NAV_LABEL: &str = "主导航";

pub fn status(status: Status) -> &'static str {
    match status {
        Status::Accepted => "已受理",
        Status::Rejected => "不予受理",
        Status::Dispatched => "待签收",
        Status::Signed => "已签收",
        Status::InProgress => "处置中",
        Status::ReturnRequested => "退单申请",
        Status::ExtensionRequested => "延期申请",
        Status::Parked => "挂账",
        Status::Handled => "待核查",
        Status::FollowUp => "待回访",
        Status::Closed => "已结案",
        Status::Merged => "已合并",
    }
}

pub fn alert(alert: Alert) -> &'static str {
    match alert {
        Alert::None => "正常",
        Alert::Yellow => "黄灯预警",
        Alert::Red => "红灯超期",
    }
}

pub fn source(source: Source) -> &'static str {
    match source {
        Source::Hotline => "12345热线",
        Source::Letter => "来信",
        Source::Web => "网上留言",
        Source::Grid => "网格员上报",
        Source::Sensor => "视频/物联感知",
        Source::Referral => "上级交办",
        Source::Scenario => "场景联动",
        Source::Other => "其他",
    }
}

/// The button text of a lifecycle action (what the browser tests click).
pub fn action(action: Action) -> &'static str {
    match action {
        Action::Dispatch => "派遣",
        Action::Reject => "不予受理",
        Action::Sign => "签收",
        Action::Start => "开始处置",
        Action::RequestReturn => "申请退单",
        Action::ApproveReturn => "同意退单并改派",
        Action::RefuseReturn => "驳回退单",
        Action::RequestExtension => "申请延期",
        Action::ApproveExtension => "批准延期",
        Action::DenyExtension => "不批准延期",
        Action::Park => "挂账",
        Action::Unpark => "取消挂账",
        Action::Finish => "办结",
        Action::VerifyPass => "核查通过",
        Action::VerifyFail => "核查不通过",
        Action::FollowUpSatisfied => "回访满意",
        Action::FollowUpUnsatisfied => "回访不满意",
        Action::Close => "结案",
        Action::Supervise => "督办",
        Action::Warn => "预警",
        Action::Assign => "改派承办人",
        Action::Reclassify => "改类",
        Action::Merge => "合并",
        Action::Unmerge => "取消合并",
    }
}

/// The label of the field an action needs, if any.
pub fn requires(requires: Requires) -> Option<&'static str> {
    match requires {
        Requires::Nothing => None,
        Requires::Reason => Some("原因"),
        Requires::Note => Some("办理情况"),
        Requires::Unit => Some("改派单位"),
        Requires::Assignee => Some("承办人"),
        Requires::Item => Some("事项"),
        Requires::Case => Some("并入案件编号"),
    }
}

/// A lifecycle action's name in a timeline entry (stored as its snake_case name).
pub fn action_named(name: &str) -> &str {
    match Action::parse(name) {
        Some(a) => action(a),
        None => name,
    }
}

/// A state's name in a timeline entry.
pub fn status_named(name: &str) -> &str {
    match Status::parse(name) {
        Some(s) => status(s),
        None => name,
    }
}
