//! placeholder until the groups tests land
