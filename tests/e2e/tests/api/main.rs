mod api_users;
mod groups;
mod lambda_payloads;
mod monitors;
mod operators;
mod disabled;
mod scim;
mod summary;
mod faults;
mod limits;
mod secrets;
mod edge;
mod maintenance;
mod template;
mod openapi;
mod web_page;

// Route-table matrices and the concurrency run.
mod matrix;
mod isolation;
mod roles;
mod concurrency;
mod audit;
