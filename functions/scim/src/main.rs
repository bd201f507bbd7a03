#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    hub_api::lambda::serve(hub_scim::router).await
}
