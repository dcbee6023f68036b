//! Data for trying the tracker and measuring it: the demo county ([`demo`], made through the
//! use cases, as users would) and generated counties and provinces ([`generate`], written
//! in bulk for the benchmark).
pub mod demo;
pub mod disclosure;
pub mod exit;
pub mod generate;
pub mod supervision;
