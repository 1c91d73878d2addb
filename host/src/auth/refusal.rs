//! Why a known caller was refused. Each refusal carries its own Chinese message for the people
//! who read it in the console; the English stays for the API's callers and the logs.

/// Why a known caller may not do what they asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a read_only token may only read (只读令牌不能执行此操作)")]
    ReadOnly,
    #[error("this caller is limited to street {own} (仅限本街道)")]
    OtherStreet { own: String },
    #[error("this needs district-wide access (需要区级权限)")]
    DistrictOnly,
    #[error("your post does not allow this (您的岗位无此权限)")]
    NotYourPost,
    #[error("this caller holds no role that acts on cases (无案件办理角色)")]
    NoCaseRole,
    #[error("no role of yours may take this action here (您的角色不能执行此操作)")]
    RoleNotAllowed,
    #[error("this case is outside your unit or street (该案件不在您的办理范围内)")]
    OutsideReach,
    #[error(
        "only the command centre, or the case's handler where its flow allows, may see the reporter's number (仅指挥中心或经授权的承办人可查看号码)"
    )]
    NoReveal,
    #[error(
        "this channel token may not submit events from that source (该渠道令牌不能提交此来源的事件)"
    )]
    OtherSource,
    #[error("this caller may not submit events (无事件上报权限)")]
    NoIntake,
    #[error(
        "this channel token may not manage another channel's webhooks (不能管理其他渠道的回调地址)"
    )]
    OtherChannel,
}
