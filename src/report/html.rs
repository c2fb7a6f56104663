//! The review page (in progress).
