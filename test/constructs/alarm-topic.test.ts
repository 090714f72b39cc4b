import { errorOf, synthPipeline } from "./support";

describe("the alarm topic of a pipeline", () => {
  it("is created by default: alarms.topic is the SnsTopic, and alarmTopicArn (= alarms.topicArn) its ARN", () => {
    const { out, pipeline } = synthPipeline();
    const topicRef = `\${aws_sns_topic.${out.id("aws_sns_topic", "orders_alarms_topic")}.arn}`;
    expect(pipeline.alarms?.topic).toBeDefined();
    const arn: string = pipeline.alarmTopicArn;
    expect(arn).toBe(pipeline.alarms?.topicArn);
    expect(out.list("aws_cloudwatch_metric_alarm")).toHaveLength(6);
    for (const alarm of out.list("aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([topicRef]);
      expect(alarm.ok_actions).toEqual([topicRef]);
    }
  });

  it("is yours with alarms.topicArn: alarms.topic is undefined, alarmTopicArn is your ARN, no topic is created", () => {
    const mine = "arn:aws:sns:eu-west-1:111122223333:platform-alarms";
    const { out, pipeline } = synthPipeline({ alarms: { topicArn: mine } });
    expect(pipeline.alarms?.topic).toBeUndefined();
    expect(pipeline.alarms?.topicArn).toBe(mine);
    expect(pipeline.alarmTopicArn).toBe(mine);
    expect(out.list("aws_sns_topic")).toEqual([]);
    for (const alarm of out.list("aws_cloudwatch_metric_alarm")) expect(alarm.alarm_actions).toEqual([mine]);
  });

  it("does not exist with alarms: false: alarms is undefined and alarmTopicArn throws", () => {
    const { out, pipeline } = synthPipeline({ alarms: false });
    expect(pipeline.alarms).toBeUndefined();
    expect(out.list("aws_sns_topic")).toEqual([]);
    expect(errorOf(() => pipeline.alarmTopicArn).message).toBe(
      'ConsumerPipeline "stack/orders" has alarms: false and no alarm topic: no alarms were created; read pipeline.alarms?.topicArn in code that handles both.',
    );
  });
});
