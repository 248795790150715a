-- Chargeback notifications (topic `chargebacks`) are kept in the inbox and worked like the others:
-- the chargeback is read by id from Mercado Pago, and its payments lead to the sale it disputes.
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_topic_check";
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_topic_check"
    CHECK ("topic" IN ('merchant_order', 'payment', 'order', 'chargebacks'));
