//! gRPC clients of every service, connected lazily.

use rpc::analytics::v1::analytics_client::AnalyticsClient;
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::investigation::v1::investigation_client::InvestigationClient;
use rpc::notification::v1::notification_client::NotificationClient;
use rpc::routing::v1::routing_client::RoutingClient;
use tonic::transport::{Channel, Endpoint};

use crate::config::Config;

/// The services the console talks to.
#[derive(Debug, Clone)]
pub struct Peers {
    pub intake: IntakeClient<Channel>,
    pub routing: RoutingClient<Channel>,
    pub investigation: InvestigationClient<Channel>,
    pub notification: NotificationClient<Channel>,
    pub analytics: AnalyticsClient<Channel>,
    /// (service name, channel) for health checks.
    pub channels: Vec<(&'static str, Channel)>,
}

fn channel(url: &str) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(std::time::Duration::from_secs(2))
        .connect_lazy())
}

impl Peers {
    /// Lazy channels to every service.
    pub fn new(config: &Config) -> Result<Self, tonic::transport::Error> {
        let channels = vec![
            ("redress.intake.v1.Intake", channel(&config.intake_url)?),
            ("redress.routing.v1.Routing", channel(&config.routing_url)?),
            (
                "redress.investigation.v1.Investigation",
                channel(&config.investigation_url)?,
            ),
            (
                "redress.notification.v1.Notification",
                channel(&config.notification_url)?,
            ),
            ("redress.analytics.v1.Analytics", channel(&config.analytics_url)?),
        ];
        Ok(Self {
            intake: IntakeClient::new(channels[0].1.clone()),
            routing: RoutingClient::new(channels[1].1.clone()),
            investigation: InvestigationClient::new(channels[2].1.clone()),
            notification: NotificationClient::new(channels[3].1.clone()),
            analytics: AnalyticsClient::new(channels[4].1.clone()),
            channels,
        })
    }

    /// Whether every service answers SERVING to the standard health check.
    pub async fn all_ready(&self) -> bool {
        let checks = self.channels.iter().map(|(name, channel)| async move {
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            let mut request = tonic::Request::new(tonic_health::pb::HealthCheckRequest {
                service: (*name).to_owned(),
            });
            request.set_timeout(std::time::Duration::from_secs(1));
            matches!(
                client.check(request).await.map(|r| r.into_inner().status),
                Ok(status) if status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
            )
        });
        futures::future::join_all(checks).await.into_iter().all(|ready| ready)
    }
}
