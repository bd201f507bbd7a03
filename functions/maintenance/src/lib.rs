//! The maintenance function (in progress).
