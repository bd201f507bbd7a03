#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(hub_web::lambda_router(hub_web::WebConfig::from_env())).await
}
