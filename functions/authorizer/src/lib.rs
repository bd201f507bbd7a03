//! The authorizer function (in progress).
