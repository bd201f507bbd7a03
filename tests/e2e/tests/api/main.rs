mod groups;
mod operators;
