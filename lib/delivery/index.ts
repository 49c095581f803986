// Delivery to the CRMs (docs/delivery.md): lanes per account shared out among the processes,
// the CRM's limits kept, every stored event sent at least once and recorded.
export { startDeliveryWorker, type DeliveryOptions, type DeliveryWorker, deliveryPool } from "./worker";
export { owedRequestsById, owedRequestsOfCalls } from "./owed";
