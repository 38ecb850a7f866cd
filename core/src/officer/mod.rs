//! The rules of the officer side: who may do what, how sign-in failures slow an attacker down,
//! when a session ends, what a password must be, and what an action does to a petition's count.

pub mod effect;
pub mod lockout;
pub mod password;
pub mod role;
pub mod session;

pub use effect::Effect;
pub use lockout::{Failures, Gate};
pub use password::{NewPassword, PasswordError};
pub use role::{Capability, Role};
pub use session::SessionTimes;
